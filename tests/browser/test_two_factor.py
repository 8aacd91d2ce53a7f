"""A creator turns on an authenticator app in the studio, then logs in with password and code."""

import time

import pytest
from django_otp.oath import TOTP

from tests.factories import UserFactory

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery staple"


def app_code(secret: str, *, steps_ahead: int = 0) -> str:
    """What an authenticator app set up with this base32 key shows (``steps_ahead`` periods on)."""
    import base64

    totp = TOTP(base64.b32decode(secret))
    totp.time = time.time() + steps_ahead * 30
    return f"{totp.token():06d}"


def log_in_with_password(page, email: str) -> None:
    page.goto("/studio/login/")
    page.fill("#id_username", email)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")


def enrol_authenticator_app(page) -> str:
    page.goto("/studio/")
    page.get_by_role("navigation", name="Studio").get_by_role("link", name="Security").click()
    page.wait_for_url("**/studio/security/")
    assert page.get_by_test_id("two-factor-status").inner_text().startswith("Two-factor authentication is off.")
    page.get_by_role("button", name="Set up an authenticator app").click()
    assert page.get_by_test_id("totp-qr").is_visible()
    secret = page.get_by_test_id("totp-secret").inner_text()
    page.fill("#id_totp_code", app_code(secret))
    page.get_by_role("button", name="Turn on").click()
    page.wait_for_url("**/studio/security/")
    assert page.get_by_test_id("two-factor-status").inner_text().startswith("Two-factor authentication is on.")
    return secret


def test_a_creator_turns_on_an_authenticator_app_and_logs_in_with_it(page):
    UserFactory(email="creator@example.com", handle="creator", display_name="Casey Creator")
    log_in_with_password(page, "creator@example.com")
    page.wait_for_url("**/studio/")
    secret = enrol_authenticator_app(page)

    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/studio/login/")
    log_in_with_password(page, "creator@example.com")

    page.wait_for_url("**/studio/login/code/")
    assert page.locator("h1").inner_text() == "Enter your code"
    # The code used to turn the app on cannot be replayed: the app's next code is accepted.
    page.fill("#id_code", app_code(secret, steps_ahead=1))
    page.get_by_role("button", name="Verify").click()

    page.wait_for_url("**/studio/")
    assert page.locator("h1").inner_text() == "Welcome, Casey Creator"
    assert page.get_by_test_id("studio-user").inner_text() == "@creator"


def test_a_wrong_code_keeps_the_creator_out(page):
    UserFactory(email="creator@example.com", handle="creator")
    log_in_with_password(page, "creator@example.com")
    page.wait_for_url("**/studio/")
    secret = enrol_authenticator_app(page)
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/studio/login/")

    log_in_with_password(page, "creator@example.com")
    page.wait_for_url("**/studio/login/code/")
    valid = {app_code(secret, steps_ahead=step) for step in range(-2, 3)}
    page.fill("#id_code", next(code for code in ("000000", "111111", "222222") if code not in valid))
    page.get_by_role("button", name="Verify").click()

    assert page.get_by_role("alert").inner_text() == "This code is not valid."
    assert page.url.endswith("/studio/login/code/")
    page.goto("/studio/")
    assert page.url.endswith("/studio/login/?next=/studio/")
