"""Playwright driving Debian's Chromium (/usr/bin/chromium) against the platform on uvicorn.

`make browser` (called by .ci/run) installs Chromium with apt-get when it is missing. Where
it cannot be installed, these tests are skipped, unless FANFARE_REQUIRE_BROWSER=1 (CI sets
it), when a missing browser fails the run.
"""

import os
import shutil

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM):
        message = f"Chromium not found at {CHROMIUM} (make browser installs it)"
        if os.environ.get("FANFARE_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread, so Django would take
    # the test's own ORM calls (set-up, assertions, teardown) for calls from async code. They
    # are ordinary synchronous calls: allow them while this module's browser is alive only.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(browser, asgi_server):
    context = browser.new_context(base_url=asgi_server)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    if os.environ.get("FANFARE_SCREENSHOTS"):
        page.screenshot(path=os.path.join(os.environ["FANFARE_SCREENSHOTS"], f"{os.getpid()}-{id(page)}.png"))
    context.close()
