"""Browser tests: Debian's Chromium, headless, driven by Playwright.

They skip, saying why, where Chromium or Playwright is missing; `.ci/run`
installs Chromium from Debian's packages. Playwright never downloads a browser.
"""

from __future__ import annotations

import os
import shutil

import pytest
from django.test.utils import override_settings

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

# Playwright's synchronous API runs an event loop in the test's thread; the ORM
# calls the tests make there are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session", autouse=True)
def _plain_http_live_server():
    """The live server's middleware is built once for the session, before the
    per-test settings fixture runs: it must serve plain HTTP from the start."""
    with override_settings(SECURE_SSL_REDIRECT=False, SECURE_HSTS_SECONDS=0):
        yield


@pytest.fixture(scope="session")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    if not os.path.exists(CHROMIUM):
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox"]
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    yield page
    context.close()
