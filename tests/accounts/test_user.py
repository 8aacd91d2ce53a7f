import pytest
from django.contrib.auth import authenticate
from django.db import IntegrityError, transaction

from accounts import selectors, services
from accounts.models import User
from core.errors import ApplicationError, ConflictError
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_user_create_makes_a_usable_account():
    user = services.user_create(
        email="Ana@Example.COM", handle="ana_b", password="a long enough passphrase", display_name="Ana"
    )

    assert user.email == "Ana@example.com"  # the domain is lower-cased, the local part kept
    assert user.check_password("a long enough passphrase")
    assert str(user) == "@ana_b"


def test_login_email_ignores_case():
    services.user_create(email="ana@example.com", handle="ana", password="a long enough passphrase")

    assert authenticate(username="ANA@EXAMPLE.COM", password="a long enough passphrase") is not None


def test_email_is_unique_ignoring_case_in_the_database():
    UserFactory(email="ana@example.com")

    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(email="ANA@example.com", handle="other")


def test_handle_is_unique_ignoring_case_in_the_database():
    UserFactory(handle="Ana")

    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(email="x@example.com", handle="ana")


def test_the_database_rejects_a_malformed_handle():
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(email="x@example.com", handle="no spaces!")


@pytest.mark.parametrize(
    ("email", "handle", "code", "error"),
    [
        ("ANA@example.com", "someone", "email_taken", ConflictError),
        ("new@example.com", "ANA", "handle_taken", ConflictError),
        ("new@example.com", "ab", "invalid_handle", ApplicationError),
        ("new@example.com", "has-dash", "invalid_handle", ApplicationError),
        ("new@example.com", "Admin", "handle_reserved", ApplicationError),
    ],
)
def test_user_create_refuses_with_a_stable_code(email, handle, code, error):
    UserFactory(email="ana@example.com", handle="ana")

    with pytest.raises(error) as caught:
        services.user_create(email=email, handle=handle, password="a long enough passphrase")

    assert caught.value.code == code
    assert User.all_objects.count() == 1


def test_a_soft_deleted_accounts_email_stays_taken():
    UserFactory(email="ana@example.com").soft_delete()

    with pytest.raises(ConflictError) as caught:
        services.user_create(email="ana@example.com", handle="ana2", password="a long enough passphrase")

    assert caught.value.code == "email_taken"


def test_weak_password_is_refused():
    with pytest.raises(ApplicationError) as caught:
        services.user_create(email="ana@example.com", handle="ana", password="12345678")

    assert caught.value.code == "weak_password"
    assert not User.all_objects.exists()


def test_backup_codes_are_ten_single_use_codes_replaced_on_regeneration():
    user = UserFactory()

    first = services.backup_codes_regenerate(user=user)
    second = services.backup_codes_regenerate(user=user)

    assert len(first) == len(set(first)) == 10
    assert len(second) == 10
    assert set(first).isdisjoint(second)
    assert selectors.backup_codes_unused(user=user) == second


def test_the_second_factor_device_is_picked_by_the_codes_shape():
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = UserFactory()
    assert selectors.otp_device_for_token(user=user, token="123456") is None
    services.backup_codes_regenerate(user=user)
    static = user.staticdevice_set.get()
    assert selectors.otp_device_for_token(user=user, token="123456") == static  # the only device
    totp = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    TOTPDevice.objects.create(user=user, name="unconfirmed", confirmed=False)

    assert selectors.otp_device_for_token(user=user, token="123456") == totp
    assert selectors.otp_device_for_token(user=user, token="abcd2345") == static


def test_a_handle_shaped_like_a_purged_accounts_is_reserved():
    with pytest.raises(ApplicationError) as caught:
        services.user_create(email="x@example.com", handle="deleted_0193ab", password="a long enough passphrase")

    assert caught.value.code == "handle_reserved"
