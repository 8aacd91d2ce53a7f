"""Own profile (GET/PATCH /api/v1/accounts/me/) and public profiles (GET /api/v1/accounts/<handle>/)."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts import services
from accounts.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ME = "/api/v1/accounts/me/"


def error(response):
    return response.json()["errors"][0]


@pytest.fixture
def ana(db):
    return UserFactory(
        email="ana@example.com",
        handle="Ana_L",
        display_name="Ana Lima",
        bio="Drawing every day.",
        links=[{"label": "Portfolio", "url": "https://ana.example.com"}],
        followers_count=120,
        following_count=35,
        posts_count=12,
        videos_count=4,
    )


# --- GET /me/ ---------------------------------------------------------------------------------


def test_owner_reads_their_own_profile(api_client, ana):
    api_client.force_authenticate(ana)

    response = api_client.get(ME)

    assert response.status_code == 200
    assert response.json() == {
        "id": str(ana.pk),
        "email": "ana@example.com",
        "handle": "Ana_L",
        "display_name": "Ana Lima",
        "bio": "Drawing every day.",
        "links": [{"label": "Portfolio", "url": "https://ana.example.com"}],
        "avatar_url": None,
        "created_at": ana.created_at.isoformat().replace("+00:00", "Z"),
        "followers_count": 120,
        "following_count": 35,
        "posts_count": 12,
        "videos_count": 4,
        "is_private": False,
        "locale": "en",
        "timezone": "UTC",
    }


def test_another_user_reads_their_own_profile_not_someone_elses(api_client, ana):
    other = UserFactory(email="bo@example.com")
    api_client.force_authenticate(other)

    response = api_client.get(ME)

    assert response.status_code == 200
    assert response.json()["email"] == "bo@example.com"


@pytest.mark.parametrize("method", ["get", "patch", "delete"])
def test_anonymous_cannot_use_me(api_client, method):
    response = getattr(api_client, method)(ME, {}, format="json")

    assert response.status_code == 401
    assert error(response)["code"] == "not_authenticated"


# --- PATCH /me/ -------------------------------------------------------------------------------


def test_owner_changes_every_editable_field(api_client, ana):
    api_client.force_authenticate(ana)
    links = [{"label": f"Link {n}", "url": f"https://example.com/{n}"} for n in range(5)]

    response = api_client.patch(
        ME,
        {
            "display_name": "  Ana L.  ",
            "bio": "x" * 500,
            "links": links,
            "locale": "pt-br",
            "timezone": "America/Sao_Paulo",
        },
        format="json",
    )

    assert response.status_code == 200
    ana.refresh_from_db()
    assert (ana.display_name, ana.bio, ana.links, ana.locale, ana.timezone) == (
        "Ana L.",
        "x" * 500,
        links,
        "pt-BR",
        "America/Sao_Paulo",
    )
    body = response.json()
    assert (body["display_name"], body["locale"], body["timezone"], body["links"]) == (
        "Ana L.",
        "pt-BR",
        "America/Sao_Paulo",
        links,
    )


def test_patch_leaves_fields_it_does_not_name(api_client, ana):
    api_client.force_authenticate(ana)

    response = api_client.patch(ME, {"bio": ""}, format="json")

    assert response.status_code == 200
    ana.refresh_from_db()
    assert ana.bio == ""
    assert ana.display_name == "Ana Lima"
    assert ana.links == [{"label": "Portfolio", "url": "https://ana.example.com"}]


def test_patch_ignores_unknown_fields_email_and_handle(api_client, ana):
    api_client.force_authenticate(ana)

    response = api_client.patch(
        ME,
        {"email": "evil@example.com", "handle": "evil", "followers_count": 10**6, "is_staff": True, "bio": "Hi"},
        format="json",
    )

    assert response.status_code == 200
    ana.refresh_from_db()
    assert (ana.email, ana.handle, ana.followers_count, ana.is_staff, ana.bio) == (
        "ana@example.com",
        "Ana_L",
        120,
        False,
        "Hi",
    )


def test_patch_only_changes_the_signed_in_user(api_client, ana):
    other = UserFactory()
    api_client.force_authenticate(other)

    api_client.patch(ME, {"bio": "not Ana"}, format="json")

    ana.refresh_from_db()
    assert ana.bio == "Drawing every day."


@pytest.mark.parametrize(
    ("payload", "attr", "code"),
    [
        ({"bio": "x" * 501}, "bio", "max_length"),
        ({"display_name": "x" * 101}, "display_name", "max_length"),
        ({"links": [{"label": "x", "url": "https://example.com"}] * 6}, "links", "too_many_links"),
        ({"links": [{"label": "Evil", "url": "javascript:alert(1)"}]}, "links.0.url", "invalid_url"),
        ({"links": [{"label": "FTP", "url": "ftp://example.com/file"}]}, "links.0.url", "invalid_url"),
        ({"links": [{"label": "No host", "url": "https://"}]}, "links.0.url", "invalid_url"),
        ({"links": [{"url": "https://example.com"}]}, "links.0.label", "required"),
        ({"links": [{"label": "", "url": "https://example.com"}]}, "links.0.label", "blank"),
        ({"links": "https://example.com"}, "links", "not_a_list"),
        ({"locale": "klingon"}, "locale", "invalid_locale"),
        ({"locale": "xx-YY"}, "locale", "invalid_locale"),
        ({"locale": "en_US"}, "locale", "invalid_locale"),
        ({"timezone": "Mars/Olympus_Mons"}, "timezone", "invalid_timezone"),
        ({"timezone": "europe/paris"}, "timezone", "invalid_timezone"),
        ({"timezone": None}, "timezone", "null"),
    ],
)
def test_patch_refuses_bad_values_naming_the_field(api_client, ana, payload, attr, code):
    api_client.force_authenticate(ana)

    response = api_client.patch(ME, payload, format="json")

    assert response.status_code == 400
    assert response.json()["type"] == "validation_error"
    assert (error(response)["attr"], error(response)["code"]) == (attr, code)
    ana.refresh_from_db()
    assert (ana.bio, ana.locale, ana.timezone) == ("Drawing every day.", "en", "UTC")


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("en", "en"),
        ("EN-gb", "en-GB"),
        ("zh-hant-tw", "zh-Hant-TW"),
        ("es-419", "es-419"),
        ("de-CH-1996", "de-CH-1996"),
    ],
)
def test_locales_are_stored_in_canonical_case(ana, given, stored):
    services.profile_update(user=ana, locale=given)

    assert User.objects.get(pk=ana.pk).locale == stored


def test_the_service_checks_the_rules_for_callers_other_than_the_api(ana):
    with pytest.raises(ValidationError) as caught:
        services.profile_update(user=ana, links=[{"label": "x", "url": "javascript:alert(1)"}])

    assert caught.value.error_dict["links"][0].code == "invalid_url"


# --- GET /<handle>/ ---------------------------------------------------------------------------


@pytest.mark.parametrize("viewer", ["owner", "other", "anonymous"])
def test_anyone_reads_a_public_profile_without_the_email(api_client, ana, viewer):
    if viewer == "owner":
        api_client.force_authenticate(ana)
    elif viewer == "other":
        api_client.force_authenticate(UserFactory())

    response = api_client.get("/api/v1/accounts/ana_l/")

    assert response.status_code == 200
    assert response.json() == {
        "handle": "Ana_L",
        "display_name": "Ana Lima",
        "bio": "Drawing every day.",
        "links": [{"label": "Portfolio", "url": "https://ana.example.com"}],
        "avatar_url": None,
        "created_at": ana.created_at.isoformat().replace("+00:00", "Z"),
        "followers_count": 120,
        "following_count": 35,
        "posts_count": 12,
        "videos_count": 4,
        "is_private": False,
    }
    assert "ana@example.com" not in response.content.decode()


@pytest.mark.parametrize("state", ["unknown", "soft_deleted", "banned"])
def test_public_profile_is_not_found_for_unknown_deleted_or_banned_accounts(api_client, ana, state):
    if state == "soft_deleted":
        ana.soft_delete()
    elif state == "banned":
        User.objects.filter(pk=ana.pk).update(banned_at=timezone.now())
    handle = "nobody_here" if state == "unknown" else "Ana_L"

    response = api_client.get(f"/api/v1/accounts/{handle}/")

    assert response.status_code == 404
    assert error(response)["code"] == "not_found"


def test_a_malformed_handle_is_not_found(api_client):
    response = api_client.get("/api/v1/accounts/no%20spaces!/")

    assert response.status_code == 404
    assert error(response)["code"] == "not_found"


def test_public_profile_reads_one_query(api_client, ana, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = api_client.get("/api/v1/accounts/Ana_L/")

    assert response.status_code == 200
