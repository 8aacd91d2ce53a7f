import pytest

from accounts import services
from tests.factories import UserFactory

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery staple"


def test_creator_logs_into_the_studio(page):
    UserFactory(email="creator@example.com", handle="creator", display_name="Casey Creator")

    page.goto("/studio/")
    assert page.url.endswith("/studio/login/?next=/studio/")
    page.fill("#id_username", "Creator@Example.com")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")

    page.wait_for_url("**/studio/")
    assert page.locator("h1").inner_text() == "Welcome, Casey Creator"
    assert page.get_by_test_id("studio-user").inner_text() == "@creator"
    assert page.get_by_role("navigation", name="Studio").get_by_role("link", name="Home").is_visible()


def test_a_wrong_password_keeps_the_creator_out(page):
    UserFactory(email="creator@example.com", handle="creator")

    page.goto("/studio/login/")
    page.fill("#id_username", "creator@example.com")
    page.fill("#id_password", "not the password")
    page.click("button[type=submit]")

    assert page.get_by_role("alert").inner_text() == (
        "Please enter a correct email and password. The password is case-sensitive."
    )
    assert page.url.endswith("/studio/login/")


def test_staff_log_into_the_admin_with_a_second_factor(page):
    staff = UserFactory(email="mod@example.com", handle="moderator", is_staff=True, is_superuser=True)
    code = services.backup_codes_regenerate(user=staff)[0]

    page.goto("/admin/")
    page.fill("#id_username", "mod@example.com")
    page.fill("#id_password", PASSWORD)
    page.fill("#id_otp_token", code)
    page.click("input[type=submit]")

    page.wait_for_url("**/admin/")
    assert page.locator("#site-name").inner_text() == "Fanfare administration"
    assert page.get_by_role("link", name="Users").is_visible()
    # The backup code was used up.
    assert code not in [token.token for token in staff.staticdevice_set.get().token_set.all()]


def test_the_admin_refuses_a_password_without_the_second_factor(page):
    staff = UserFactory(email="mod@example.com", handle="moderator", is_staff=True, is_superuser=True)
    services.backup_codes_regenerate(user=staff)

    page.goto("/admin/login/")
    page.fill("#id_username", "mod@example.com")
    page.fill("#id_password", PASSWORD)
    page.fill("#id_otp_token", "wrongcode")
    page.click("input[type=submit]")

    assert page.locator(".errornote").is_visible()
    assert "/admin/login/" in page.url
