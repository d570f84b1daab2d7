"""The side menu in a real browser, as the demo's people: each role's entries, the current page marked, the rail
folded and remembered, the panel still fitting the screen beside it, and the menu opened from the top bar on a
phone. No console errors on the way. Screenshots go to ``test-results/`` and ``/tmp/shots/``."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from demo.seed.people import DEMO_USERS, users_ensure
from tests.browser.conftest import RESULTS
from tests.browser.live import off_loop

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path("/tmp/shots")  # noqa: S108 - where the reviewer looks at the screenshots

PASSWORDS = {user.username: user.password for user in DEMO_USERS}
MENUS = {
    "agente1": ["panel", "home", "pipeline", "sales", "commissions", "tickets", "collections", "internal-chat",
                "quality"],
    "backoffice": ["sales", "commissions", "tickets", "collections", "internal-chat", "backoffice"],
    "supervisor": ["dashboard", "panel", "home", "pipeline", "sales", "commissions", "tickets", "collections",
                   "internal-chat", "quality", "backoffice"],
    "admin": ["dashboard", "panel", "home", "pipeline", "sales", "commissions", "tickets", "collections",
              "internal-chat", "quality", "backoffice", "api"],
}


@pytest.fixture
def demo_people(settings, hosts):  # type: ignore[no-untyped-def]
    """The demo's logins and roles (as `make run` makes them); two factors off, the menu is the subject here."""
    settings.TWO_FACTOR_REQUIRED_ROLES = []
    off_loop(call_command, "create_roles", stdout=io.StringIO())
    off_loop(users_ensure)
    return settings


def _open(browser, width: int, height: int):  # type: ignore[no-untyped-def]
    context = browser.new_context(locale="es-PE", viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return context, page, errors


def _log_in(page, base: str, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Usuario").fill(username)
    page.get_by_label("Contraseña").fill(PASSWORDS[username])
    page.get_by_role("button", name="Iniciar sesión").click()
    page.wait_for_load_state()
    assert "/accounts/login/" not in page.url


def _shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / name))
    page.screenshot(path=str(RESULTS / name))


def _menu(page) -> list[str]:  # type: ignore[no-untyped-def]
    return page.locator("#nav-menu a[data-nav]").evaluate_all("links => links.map(a => a.dataset.nav)")


@pytest.mark.parametrize("username", list(MENUS))
def test_each_demo_role_sees_its_own_menu_with_the_page_marked(asgi_live_server, browser, demo_people, username):
    base = asgi_live_server
    context, page, errors = _open(browser, 1366, 768)
    try:
        _log_in(page, base, username)
        page.goto(f"{base}/tickets/")
        expect(page.locator("#crm-sidenav")).to_be_visible()
        assert _menu(page) == MENUS[username]
        active = page.locator("#nav-menu a.active")
        expect(active).to_have_count(1)
        expect(active).to_have_attribute("id", "nav-tickets")
        expect(active).to_have_attribute("aria-current", "page")
        if "dashboard" not in MENUS[username]:
            expect(page.locator("#nav-dashboard")).to_have_count(0)
            expect(page.locator("a[href='/dashboard/']")).to_have_count(0)
        _shot(page, f"nav_menu_{username}_1366.png")
        # following an entry marks it on the next page
        page.locator("#nav-sales").click()
        page.wait_for_url(f"{base}/sales/")
        expect(page.locator("#nav-menu a.active")).to_have_attribute("id", "nav-sales")
        assert errors == []
    finally:
        context.close()


def test_on_a_phone_the_menu_opens_from_the_top_bar_and_leads_to_a_page(asgi_live_server, browser, demo_people):
    base = asgi_live_server
    context, page, errors = _open(browser, 390, 844)
    try:
        _log_in(page, base, "agente1")
        page.goto(f"{base}/panel/")
        expect(page.locator("#crm-sidenav")).to_be_hidden()
        for quick in ("#nav-chat", "#nav-bell", "#nav-menu-toggle"):  # the quick icons stay on the bar
            expect(page.locator(quick)).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing sticks out sideways
        page.locator("#nav-menu-toggle").click()
        page.wait_for_selector("#crm-sidenav.show:not(.showing)")  # slid in
        expect(page.locator("#nav-panel")).to_have_class(re.compile(r"\bactive\b"))
        box = page.locator("#crm-sidenav").bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
        _shot(page, "nav_phone_menu_open.png")
        page.locator("#nav-tickets").click()
        page.wait_for_url(f"{base}/tickets/")
        expect(page.locator("#crm-sidenav")).to_be_hidden()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        # the account menu (availability, security, log out) is behind its own button
        page.locator(".crm-topbar-account").click()
        expect(page.locator("#nav-availability")).to_be_visible()
        expect(page.locator("#nav-user")).to_be_visible()
        assert errors == []
    finally:
        context.close()


def test_the_folded_rail_is_remembered_and_the_panel_fits_beside_it(asgi_live_server, browser, demo_people):
    base = asgi_live_server
    context, page, errors = _open(browser, 1366, 768)
    try:
        _log_in(page, base, "supervisor")
        page.goto(f"{base}/tickets/")
        rail = page.locator(".crm-sidenav-rail")
        assert rail.bounding_box()["width"] > 150  # labels shown
        page.locator("#nav-fold").click()
        expect(page.locator("body")).to_have_class(re.compile(r"\bcrm-nav-folded\b"))
        assert rail.bounding_box()["width"] < 80
        page.reload()
        assert "crm-nav-folded" in (page.locator("body").get_attribute("class") or "")  # drawn folded by the server
        assert rail.bounding_box()["width"] < 80
        page.locator("#nav-fold").click()
        page.reload()
        assert rail.bounding_box()["width"] > 150

        # the panel takes the whole height: no scrollbar on the page itself, and the rail is icons only there
        page.goto(f"{base}/panel/")
        page.wait_for_load_state("networkidle")
        assert page.evaluate("document.documentElement.scrollHeight <= innerHeight + 1")
        assert rail.bounding_box()["width"] < 80
        expect(page.locator("#nav-panel")).to_have_attribute("aria-current", "page")
        _shot(page, "nav_panel_supervisor_1366.png")
        assert errors == []
    finally:
        context.close()
