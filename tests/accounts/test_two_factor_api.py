"""The second-factor API, /api/v1/auth/2fa/: owner, another user, anonymous and bad input for each endpoint.

The helpers at the top are shared with the other test_two_factor* modules.
"""

import base64
import io
import time
from urllib.parse import parse_qs, urlparse

import pytest
import responses
from django.test import override_settings
from django_otp.oath import TOTP
from django_otp.plugins.otp_email.models import EmailDevice
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from otp_twilio.models import TwilioSMSDevice
from PIL import Image

from accounts import services
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
BASE = "/api/v1/auth/2fa/"


def totp_code(device, *, steps_ahead: int = 0) -> str:
    """The code the device's authenticator app shows now (or ``steps_ahead`` periods later)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def wrong_totp_code(device) -> str:
    """A six-digit code that no time step within the device's tolerance accepts."""
    valid = {totp_code(device, steps_ahead=step) for step in range(-2, 3)}
    return next(code for code in ("000000", "111111", "222222", "333333", "444444", "555555") if code not in valid)


def error_of(response) -> tuple[int, str]:
    return response.status_code, response.json()["errors"][0]["code"]


def confirmed_totp(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)


@pytest.fixture
def owner():
    return UserFactory(email="casey@example.com", handle="casey")


@pytest.fixture
def other():
    return UserFactory(email="robin@example.com", handle="robin")


@pytest.fixture
def client_of(api_client):
    def log_in(user):
        api_client.force_authenticate(user)
        return api_client

    return log_in


# ---------------------------------------------------------------------------------------------
# GET /2fa/
# ---------------------------------------------------------------------------------------------


def test_the_list_shows_the_owners_factors_only(client_of, owner, other):
    totp = confirmed_totp(owner)
    services.backup_codes_regenerate(user=owner)
    TOTPDevice.objects.create(user=other, name="theirs", confirmed=True)

    response = client_of(owner).get(BASE)

    assert response.status_code == 200
    assert response.json() == {
        "enabled": True,
        "factors": [
            {
                "kind": "totp",
                "name": "Authenticator app",
                "confirmed": True,
                "created": totp.created_at.isoformat().replace("+00:00", "Z"),
            },
            {
                "kind": "backup_codes",
                "name": "backup",
                "confirmed": True,
                "created": StaticDevice.objects.get(user=owner).created_at.isoformat().replace("+00:00", "Z"),
            },
        ],
    }


def test_the_list_is_empty_and_off_without_devices(client_of, owner):
    response = client_of(owner).get(BASE)

    assert response.status_code == 200
    assert response.json() == {"enabled": False, "factors": []}


def test_an_unconfirmed_device_is_listed_but_does_not_turn_two_factor_on(client_of, owner):
    TOTPDevice.objects.create(user=owner, name="Authenticator app", confirmed=False)

    body = client_of(owner).get(BASE).json()

    assert body["enabled"] is False
    assert [(factor["kind"], factor["confirmed"]) for factor in body["factors"]] == [("totp", False)]


@pytest.mark.parametrize("devices", [1, 4])
def test_the_list_takes_one_query_per_device_kind(client_of, owner, devices, django_assert_max_num_queries):
    for number in range(devices):
        TOTPDevice.objects.create(user=owner, name=f"app {number}", confirmed=number == 0)
        EmailDevice.objects.create(user=owner, name=f"email {number}", confirmed=False)
    client = client_of(owner)

    # One query for each of the four device plugins, whatever the number of devices.
    with django_assert_max_num_queries(4):
        response = client.get(BASE)

    assert len(response.json()["factors"]) == 2 * devices


def test_the_list_needs_a_login(api_client):
    assert error_of(api_client.get(BASE)) == (401, "not_authenticated")


# ---------------------------------------------------------------------------------------------
# POST /2fa/totp/ and /2fa/totp/confirm/
# ---------------------------------------------------------------------------------------------


def test_enrolment_returns_the_secret_uri_and_qr_code_of_a_new_unconfirmed_device(client_of, owner):
    response = client_of(owner).post(f"{BASE}totp/")

    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"secret", "otpauth_uri", "qr_code"}
    device = TOTPDevice.objects.get(user=owner)
    assert device.confirmed is False
    assert base64.b32decode(body["secret"]) == device.bin_key
    uri = urlparse(body["otpauth_uri"])
    assert (uri.scheme, uri.netloc, uri.path) == ("otpauth", "totp", "/Fanfare%3Acasey%40example.com")
    assert parse_qs(uri.query) == {
        "secret": [body["secret"]],
        "algorithm": ["SHA1"],
        "digits": ["6"],
        "period": ["30"],
        "issuer": ["Fanfare"],
    }
    assert body["qr_code"].startswith("data:image/png;base64,")
    image = Image.open(io.BytesIO(base64.b64decode(body["qr_code"].removeprefix("data:image/png;base64,"))))
    assert image.format == "PNG"
    assert image.size[0] == image.size[1] > 100


@override_settings(OTP_TOTP_ISSUER="Fanfare Staging")
def test_the_issuer_comes_from_the_setting(client_of, owner):
    body = client_of(owner).post(f"{BASE}totp/").json()

    assert body["otpauth_uri"].startswith("otpauth://totp/Fanfare%20Staging%3Acasey%40example.com?")
    assert body["otpauth_uri"].endswith("&issuer=Fanfare%20Staging")


def test_enrolling_again_replaces_the_unconfirmed_device(client_of, owner):
    client = client_of(owner)
    first = client.post(f"{BASE}totp/").json()

    second = client.post(f"{BASE}totp/").json()

    assert second["secret"] != first["secret"]
    device = TOTPDevice.objects.get(user=owner)
    assert base64.b32encode(device.bin_key).decode() == second["secret"]


def test_enrolment_is_refused_when_an_app_is_already_confirmed(client_of, owner):
    existing = confirmed_totp(owner)

    response = client_of(owner).post(f"{BASE}totp/")

    assert error_of(response) == (409, "totp_already_enabled")
    assert list(TOTPDevice.objects.filter(user=owner)) == [existing]


def test_enrolment_needs_a_login(api_client):
    assert error_of(api_client.post(f"{BASE}totp/")) == (401, "not_authenticated")


def test_the_right_code_confirms_the_device(client_of, owner):
    client = client_of(owner)
    client.post(f"{BASE}totp/")
    device = TOTPDevice.objects.get(user=owner)

    response = client.post(f"{BASE}totp/confirm/", {"code": totp_code(device)})

    assert response.status_code == 200
    assert response.json() == {
        "kind": "totp",
        "name": "Authenticator app",
        "confirmed": True,
        "created": device.created_at.isoformat().replace("+00:00", "Z"),
    }
    device.refresh_from_db()
    assert device.confirmed is True


def test_a_wrong_code_is_refused_and_counted(client_of, owner):
    client = client_of(owner)
    client.post(f"{BASE}totp/")
    device = TOTPDevice.objects.get(user=owner)

    response = client.post(f"{BASE}totp/confirm/", {"code": wrong_totp_code(device)})

    assert error_of(response) == (400, "invalid_code")
    device.refresh_from_db()
    assert (device.confirmed, device.throttling_failure_count) == (False, 1)


@override_settings(OTP_TOTP_THROTTLE_FACTOR=60)  # a minute's wait after one miss, so timing cannot flake
def test_after_a_miss_the_next_attempt_must_wait(client_of, owner):
    client = client_of(owner)
    client.post(f"{BASE}totp/")
    device = TOTPDevice.objects.get(user=owner)
    client.post(f"{BASE}totp/confirm/", {"code": wrong_totp_code(device)})

    # Even the right code is refused inside django-otp's back-off (factor * 2^(misses-1) seconds).
    response = client.post(f"{BASE}totp/confirm/", {"code": totp_code(device)})

    assert error_of(response) == (429, "too_many_attempts")
    assert response.json()["extra"] == {"retry_after": 60}
    device.refresh_from_db()
    assert device.confirmed is False


def test_confirming_without_an_enrolment(client_of, owner):
    response = client_of(owner).post(f"{BASE}totp/confirm/", {"code": "123456"})

    assert error_of(response) == (404, "totp_enrolment_not_found")


def test_confirming_when_already_confirmed(client_of, owner):
    device = confirmed_totp(owner)

    response = client_of(owner).post(f"{BASE}totp/confirm/", {"code": totp_code(device)})

    assert error_of(response) == (409, "totp_already_enabled")


def test_another_user_cannot_confirm_my_enrolment(client_of, owner, other):
    client_of(owner).post(f"{BASE}totp/")
    device = TOTPDevice.objects.get(user=owner)

    response = client_of(other).post(f"{BASE}totp/confirm/", {"code": totp_code(device)})

    assert error_of(response) == (404, "totp_enrolment_not_found")
    device.refresh_from_db()
    assert device.confirmed is False


@pytest.mark.parametrize(
    ("payload", "code"), [({}, "required"), ({"code": ""}, "blank"), ({"code": "1" * 33}, "max_length")]
)
def test_confirming_needs_a_code(client_of, owner, payload, code):
    response = client_of(owner).post(f"{BASE}totp/confirm/", payload)

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"code": code, "detail": response.json()["errors"][0]["detail"], "attr": "code"}
    ]


def test_confirming_needs_a_login(api_client):
    assert error_of(api_client.post(f"{BASE}totp/confirm/", {"code": "123456"})) == (401, "not_authenticated")


# ---------------------------------------------------------------------------------------------
# /2fa/backup-codes/
# ---------------------------------------------------------------------------------------------


def test_the_count_of_remaining_backup_codes(client_of, owner, other):
    codes = services.backup_codes_regenerate(user=owner)
    StaticToken.objects.filter(token=codes[0]).delete()  # one used
    services.backup_codes_regenerate(user=other, count=3)

    response = client_of(owner).get(f"{BASE}backup-codes/")

    assert response.status_code == 200
    assert response.json() == {"remaining": 9}


def test_no_backup_codes_yet(client_of, owner):
    assert client_of(owner).get(f"{BASE}backup-codes/").json() == {"remaining": 0}


def test_regenerating_returns_ten_new_codes_once_and_voids_the_old_ones(client_of, owner, other):
    old = services.backup_codes_regenerate(user=owner)
    theirs = services.backup_codes_regenerate(user=other)
    client = client_of(owner)

    response = client.post(f"{BASE}backup-codes/", {"password": PASSWORD})

    assert response.status_code == 200
    codes = response.json()["codes"]
    assert len(codes) == len(set(codes)) == 10
    assert sorted(StaticToken.objects.filter(device__user=owner).values_list("token", flat=True)) == sorted(codes)
    assert not set(old) & set(codes)
    assert sorted(StaticToken.objects.filter(device__user=other).values_list("token", flat=True)) == sorted(theirs)
    assert client.get(f"{BASE}backup-codes/").json() == {"remaining": 10}


def test_regenerating_needs_the_right_password(client_of, owner):
    old = services.backup_codes_regenerate(user=owner)

    response = client_of(owner).post(f"{BASE}backup-codes/", {"password": "not the password"})

    assert error_of(response) == (400, "invalid_password")
    assert sorted(StaticToken.objects.filter(device__user=owner).values_list("token", flat=True)) == sorted(old)


def test_regenerating_needs_a_password_field(client_of, owner):
    response = client_of(owner).post(f"{BASE}backup-codes/", {})

    assert response.status_code == 400
    assert [(error["code"], error["attr"]) for error in response.json()["errors"]] == [("required", "password")]


def test_backup_codes_need_a_login(api_client):
    assert error_of(api_client.get(f"{BASE}backup-codes/")) == (401, "not_authenticated")
    assert error_of(api_client.post(f"{BASE}backup-codes/", {"password": PASSWORD})) == (401, "not_authenticated")


# ---------------------------------------------------------------------------------------------
# POST /2fa/disable/
# ---------------------------------------------------------------------------------------------


def test_disabling_with_password_and_app_code_deletes_every_device(client_of, owner, other):
    device = confirmed_totp(owner)
    services.backup_codes_regenerate(user=owner)
    EmailDevice.objects.create(user=owner, name="Email", confirmed=True)
    TOTPDevice.objects.create(user=owner, name="pending", confirmed=False)
    theirs = confirmed_totp(other)

    response = client_of(owner).post(f"{BASE}disable/", {"password": PASSWORD, "code": totp_code(device)})

    assert response.status_code == 204
    assert not TOTPDevice.objects.filter(user=owner).exists()
    assert not StaticDevice.objects.filter(user=owner).exists()
    assert not StaticToken.objects.filter(device__user=owner).exists()
    assert not EmailDevice.objects.filter(user=owner).exists()
    assert list(TOTPDevice.objects.filter(user=other)) == [theirs]


def test_disabling_with_a_backup_code(client_of, owner):
    confirmed_totp(owner)
    code = services.backup_codes_regenerate(user=owner)[0]

    response = client_of(owner).post(f"{BASE}disable/", {"password": PASSWORD, "code": code})

    assert response.status_code == 204
    assert not TOTPDevice.objects.filter(user=owner).exists()


def test_disabling_with_a_wrong_password(client_of, owner):
    device = confirmed_totp(owner)

    response = client_of(owner).post(f"{BASE}disable/", {"password": "nope", "code": totp_code(device)})

    assert error_of(response) == (400, "invalid_password")
    assert TOTPDevice.objects.filter(user=owner, confirmed=True).exists()


def test_disabling_with_a_wrong_code(client_of, owner):
    device = confirmed_totp(owner)

    response = client_of(owner).post(f"{BASE}disable/", {"password": PASSWORD, "code": wrong_totp_code(device)})

    assert error_of(response) == (400, "invalid_code")
    device.refresh_from_db()
    assert device.throttling_failure_count == 1


def test_another_users_code_does_not_disable_mine(client_of, owner, other):
    confirmed_totp(owner)
    services.backup_codes_regenerate(user=owner)
    their_code = services.backup_codes_regenerate(user=other)[0]

    response = client_of(owner).post(f"{BASE}disable/", {"password": PASSWORD, "code": their_code})

    assert error_of(response) == (400, "invalid_code")
    assert StaticToken.objects.filter(device__user=other, token=their_code).exists()
    assert TOTPDevice.objects.filter(user=owner).exists()


def test_disabling_when_two_factor_is_off(client_of, owner):
    TOTPDevice.objects.create(user=owner, name="pending", confirmed=False)

    response = client_of(owner).post(f"{BASE}disable/", {"password": PASSWORD, "code": "123456"})

    assert error_of(response) == (409, "two_factor_not_enabled")


def test_disabling_needs_both_fields(client_of, owner):
    response = client_of(owner).post(f"{BASE}disable/", {})

    assert response.status_code == 400
    assert sorted((error["code"], error["attr"]) for error in response.json()["errors"]) == [
        ("required", "code"),
        ("required", "password"),
    ]


def test_disabling_needs_a_login(api_client):
    assert error_of(api_client.post(f"{BASE}disable/", {"password": PASSWORD, "code": "1"})) == (
        401,
        "not_authenticated",
    )


# ---------------------------------------------------------------------------------------------
# Email codes
# ---------------------------------------------------------------------------------------------


def verified(user):
    from django.utils import timezone

    user.email_verified_at = timezone.now()
    user.save(update_fields=["email_verified_at"])
    return user


def test_email_codes_turn_on_for_a_verified_email(client_of, owner):
    response = client_of(verified(owner)).post(f"{BASE}email/")

    assert response.status_code == 201
    device = EmailDevice.objects.get(user=owner)
    assert response.json() == {
        "kind": "email",
        "name": "Email",
        "confirmed": True,
        "created": device.created_at.isoformat().replace("+00:00", "Z"),
    }
    assert device.email is None  # codes follow user.email


def test_email_codes_need_a_verified_email(client_of, owner):
    assert error_of(client_of(owner).post(f"{BASE}email/")) == (400, "email_unverified")
    assert not EmailDevice.objects.exists()


def test_email_codes_turn_on_once(client_of, owner):
    client = client_of(verified(owner))
    client.post(f"{BASE}email/")

    assert error_of(client.post(f"{BASE}email/")) == (409, "email_otp_already_enabled")
    assert EmailDevice.objects.filter(user=owner).count() == 1


def test_email_codes_turn_off_with_the_password(client_of, owner, other):
    EmailDevice.objects.create(user=owner, name="Email", confirmed=True)
    theirs = EmailDevice.objects.create(user=other, name="Email", confirmed=True)
    client = client_of(owner)

    assert error_of(client.post(f"{BASE}email/disable/", {"password": "nope"})) == (400, "invalid_password")
    assert client.post(f"{BASE}email/disable/", {"password": PASSWORD}).status_code == 204
    assert list(EmailDevice.objects.all()) == [theirs]
    assert error_of(client.post(f"{BASE}email/disable/", {"password": PASSWORD})) == (404, "email_otp_not_enabled")


def test_email_codes_bad_input_and_anonymous(client_of, api_client, owner):
    assert error_of(api_client.post(f"{BASE}email/")) == (401, "not_authenticated")
    assert error_of(api_client.post(f"{BASE}email/disable/", {"password": PASSWORD})) == (401, "not_authenticated")
    assert error_of(client_of(owner).post(f"{BASE}email/disable/", {})) == (400, "required")


# ---------------------------------------------------------------------------------------------
# SMS codes through Twilio, faked at the HTTP layer
# ---------------------------------------------------------------------------------------------

TWILIO = {
    "OTP_TWILIO_ACCOUNT": "AC0123456789abcdef0123456789abcdef",
    "OTP_TWILIO_AUTH": "twilio-auth-token",
    "OTP_TWILIO_FROM": "+15005550006",
    "OTP_TWILIO_NO_DELIVERY": False,
}
MESSAGES_URL = f"https://api.twilio.com/2010-04-01/Accounts/{TWILIO['OTP_TWILIO_ACCOUNT']}/Messages.json"


def twilio_message_created(request):
    """Twilio's 201 answer to a Messages POST (the fields a client reads)."""
    import json

    form = parse_qs(request.body)
    body = {
        "sid": "SM0123456789abcdef0123456789abcdef",
        "account_sid": TWILIO["OTP_TWILIO_ACCOUNT"],
        "to": form["To"][0],
        "from": form["From"][0],
        "body": form["Body"][0],
        "status": "queued",
        "num_segments": "1",
        "direction": "outbound-api",
        "api_version": "2010-04-01",
        "error_code": None,
        "error_message": None,
        "uri": f"/2010-04-01/Accounts/{TWILIO['OTP_TWILIO_ACCOUNT']}/Messages/SM0123456789abcdef0123456789abcdef.json",
    }
    return 201, {"Content-Type": "application/json"}, json.dumps(body)


@override_settings(**TWILIO)
@responses.activate
def test_enrolling_a_phone_texts_a_code_through_twilio_and_the_code_confirms_it(
    client_of, owner, django_capture_on_commit_callbacks
):
    responses.add_callback(responses.POST, MESSAGES_URL, callback=twilio_message_created)
    client = client_of(owner)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{BASE}sms/", {"phone_number": "+44 7700 900123"})

    assert response.status_code == 201
    assert response.json() == {"phone_number": "+447700900123", "confirmed": False}
    assert len(responses.calls) == 1
    request = responses.calls[0].request
    form = parse_qs(request.body)
    device = TwilioSMSDevice.objects.get(user=owner)
    assert form == {"To": ["+447700900123"], "From": ["+15005550006"], "Body": [f"Your Fanfare code is {device.token}"]}
    expected_auth = base64.b64encode(f"{TWILIO['OTP_TWILIO_ACCOUNT']}:twilio-auth-token".encode()).decode()
    assert request.headers["Authorization"] == f"Basic {expected_auth}"
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"

    confirmed = client.post(f"{BASE}sms/confirm/", {"code": device.token})

    assert confirmed.status_code == 200
    assert confirmed.json() == {"kind": "sms", "name": "SMS", "confirmed": True, "created": None}
    device.refresh_from_db()
    assert device.confirmed is True


@override_settings(**TWILIO)
@responses.activate
def test_a_wrong_sms_code_is_refused(client_of, owner, django_capture_on_commit_callbacks):
    responses.add_callback(responses.POST, MESSAGES_URL, callback=twilio_message_created)
    client = client_of(owner)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"{BASE}sms/", {"phone_number": "+447700900123"})
    device = TwilioSMSDevice.objects.get(user=owner)
    wrong = "000000" if device.token != "000000" else "111111"

    assert error_of(client.post(f"{BASE}sms/confirm/", {"code": wrong})) == (400, "invalid_code")
    device.refresh_from_db()
    assert device.confirmed is False


def test_without_twilio_settings_the_code_goes_to_the_log(client_of, owner, django_capture_on_commit_callbacks, caplog):
    caplog.set_level("INFO", logger="otp_twilio")
    with responses.RequestsMock() as http:  # any outbound HTTP call would fail the test
        with django_capture_on_commit_callbacks(execute=True):
            response = client_of(owner).post(f"{BASE}sms/", {"phone_number": "+447700900123"})
        assert len(http.calls) == 0

    assert response.status_code == 201
    device = TwilioSMSDevice.objects.get(user=owner)
    assert [record.getMessage() for record in caplog.records if record.name == "otp_twilio.models"] == [
        f"Your Fanfare code is {device.token}"
    ]


@pytest.mark.parametrize("number", ["07700900123", "+0447700900123", "+44", "+44770090012345678", "phone"])
def test_enrolling_needs_an_e164_number(client_of, owner, number):
    assert error_of(client_of(owner).post(f"{BASE}sms/", {"phone_number": number})) == (400, "invalid_phone_number")
    assert not TwilioSMSDevice.objects.exists()


def test_sms_enrolment_is_refused_when_sms_is_on(client_of, owner):
    TwilioSMSDevice.objects.create(user=owner, name="SMS", number="+447700900123", confirmed=True)
    client = client_of(owner)

    assert error_of(client.post(f"{BASE}sms/", {"phone_number": "+447700900999"})) == (409, "sms_already_enabled")
    assert error_of(client.post(f"{BASE}sms/confirm/", {"code": "123456"})) == (409, "sms_already_enabled")


def test_another_user_cannot_confirm_my_phone(client_of, owner, other):
    device = TwilioSMSDevice.objects.create(user=owner, name="SMS", number="+447700900123", confirmed=False)
    device.generate_token()

    response = client_of(other).post(f"{BASE}sms/confirm/", {"code": device.token})

    assert error_of(response) == (404, "sms_enrolment_not_found")
    device.refresh_from_db()
    assert device.confirmed is False


def test_sms_bad_input_and_anonymous(client_of, api_client, owner):
    assert error_of(api_client.post(f"{BASE}sms/", {"phone_number": "+447700900123"})) == (401, "not_authenticated")
    assert error_of(api_client.post(f"{BASE}sms/confirm/", {"code": "123456"})) == (401, "not_authenticated")
    assert error_of(client_of(owner).post(f"{BASE}sms/", {})) == (400, "required")
    assert error_of(client_of(owner).post(f"{BASE}sms/confirm/", {})) == (400, "required")
