"""Playwright driving Debian's Chromium (the Playwright browser download does not work here)."""

import os
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from accounts.models import Role
from conftest import CHROMIUM, make_user
from tests.conversations.conftest import ai_off, post_twilio, provider_settings  # noqa: F401 - signed webhooks (provider_settings is autouse)

RESULTS = Path(django_settings.BASE_DIR) / "test-results"  # screenshots, kept by CI as artifacts

# Playwright's sync API runs an event loop in this thread; Django's ORM calls from the test are safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"needs Chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="es-PE", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def hosts(settings):  # type: ignore[no-untyped-def]
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
    RESULTS.mkdir(exist_ok=True)


@pytest.fixture
def agents(db):  # type: ignore[no-untyped-def]
    """Lucía and Marco, agents of one team."""
    from accounts.models import Team

    team = Team.objects.create(name="Equipo Lima")
    return make_user("lucia", Role.AGENT, team), make_user("marco", Role.AGENT, team)
