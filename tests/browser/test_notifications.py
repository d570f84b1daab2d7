"""The bell in the top bar is live on every page: a notice created on the server shows in the count, as a toast and in
the dropdown; reading it follows its link; the chat badge follows chat events. On the panel the page's own socket
feeds the top bar (one WebSocket per tab). Screenshots go to ``test-results/`` and ``/tmp/shots/``."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from accounts.models import User
from core.realtime import publish, user_group
from notifications.models import Notification
from notifications.services import notification_create
from tests.browser.conftest import RESULTS
from tests.browser.live import log_in, off_loop

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path("/tmp/shots")  # noqa: S108 - where the reviewer looks at the screenshots


def _notify(user: User, title: str, url: str = "/notifications/all/", kind: str = "sale.validated",
            body: str = "") -> None:
    off_loop(lambda: notification_create(user=user, kind=kind, title=title, body=body, url=url))


def _shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / name))
    page.screenshot(path=str(RESULTS / name))


def test_a_notice_shows_live_in_the_bell_and_the_dropdown_on_any_page(asgi_live_server, page, hosts, agents):
    lucia, _ = agents
    base = asgi_live_server
    sockets: list[str] = []
    page.on("websocket", lambda ws: sockets.append(ws.url))
    log_in(page, base, "lucia")
    page.goto(f"{base}/notifications/all/")
    page.wait_for_selector("#crm-topbar[data-live='on']")  # live.js opened the page's one socket
    expect(page.locator("#nav-bell-count")).to_be_hidden()

    _notify(lucia, "Venta V-00012 validada", body="Back Office la validó", url="/sales/")
    expect(page.locator("#nav-bell-count")).to_have_text("1")
    expect(page.locator("#crm-toasts .crm-toast")).to_contain_text("Venta V-00012 validada")

    page.locator("#nav-bell").click()
    row = page.locator("#nav-bell-menu .notification-row").first
    expect(row).to_contain_text("Venta V-00012 validada")
    assert "is-unread" in (row.get_attribute("class") or "")
    assert row.locator(".nt-icon[data-icon='sale']").count() == 1

    # a second one while the menu is open: on top of the list, counted
    _notify(lucia, "Conversación con Rosa Quispe asignada", kind="conversation.assigned", url="/panel/")
    expect(page.locator("#nav-bell-count")).to_have_text("2")
    expect(page.locator("#nav-bell-menu .notification-row").first).to_contain_text("Rosa Quispe")
    # the chat badge follows the chat's events
    off_loop(publish, [user_group(lucia.pk)], "chat.message", {"room": 1, "unread_total": 4})
    expect(page.locator("#nav-chat-unread")).to_have_text("4")
    _shot(page, "bell.png")

    # clicking a notice marks it read and follows its link
    page.locator("#nav-bell-menu .notification-row", has_text="Venta V-00012").click()
    page.wait_for_url(f"{base}/sales/")
    expect(page.locator("#nav-bell-count")).to_have_text("1")
    assert Notification.objects.get(title="Venta V-00012 validada").read_at is not None

    # "mark all read" empties the count; the other tab's bell hears it too
    page.locator("#nav-bell").click()
    page.locator("#nav-bell-read-all").click()
    expect(page.locator("#nav-bell-count")).to_be_hidden()
    assert not Notification.objects.filter(read_at__isnull=True).exists()
    assert len(sockets) == 3  # one socket per page: the panel (login), the list, the sales page


def test_the_panel_feeds_the_bell_from_its_own_socket(asgi_live_server, page, hosts, agents):
    lucia, _ = agents
    base = asgi_live_server
    log_in(page, base, "lucia")
    page.goto(f"{base}/notifications/all/")
    page.locator("#nav-bell").click()
    page.locator("#nav-notify-toggle").check()  # the opt-in sound and desktop alerts, one switch for all pages
    assert page.evaluate("window.localStorage.getItem('panel:notify')") == "on"

    sockets: list[str] = []
    page.on("websocket", lambda ws: sockets.append(ws.url))
    page.goto(f"{base}/panel/")
    page.wait_for_selector("#panel[data-live='on']")
    assert page.locator("body[data-own-socket='1']").count() == 1
    assert page.locator("#notify-toggle").get_attribute("aria-pressed") == "true"  # the panel's switch agrees

    _notify(lucia, "Venta V-00020 rechazada", kind="sale.rejected", body="DNI ilegible", url="/sales/")
    expect(page.locator("#nav-bell-count")).to_have_text("1")
    expect(page.locator("#crm-toasts .crm-toast")).to_contain_text("DNI ilegible")
    page.wait_for_timeout(500)
    assert len(sockets) == 1, sockets  # the top bar rides on the panel's socket

    sockets.clear()
    page.goto(f"{base}/panel/kanban/")
    page.wait_for_selector("#kanban[data-live='on']")
    _notify(lucia, "Cotización C-00003 aceptada", kind="quote.accepted", url="/sales/")
    expect(page.locator("#nav-bell-count")).to_have_text("2")
    page.wait_for_timeout(500)
    assert len(sockets) == 1, sockets

    # the availability switch in the top bar
    page.locator("#nav-availability").select_option("away")
    expect(page.locator("#nav-availability")).to_have_attribute("data-state", "away")
    lucia.refresh_from_db()
    assert lucia.availability == "away"


def test_the_top_bar_fits_a_phone(asgi_live_server, browser, hosts, agents):
    lucia, _ = agents
    base = asgi_live_server
    context = browser.new_context(locale="es-PE", viewport={"width": 390, "height": 780})
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        log_in(page, base, "lucia")
        page.goto(f"{base}/notifications/all/")
        page.wait_for_selector("#crm-topbar[data-live='on']")
        _notify(lucia, "Te mencionaron en una nota de Rosa Quispe", kind="note.mention",
                body="@lucia ojo: pidió que la llamen después de las 6", url="/panel/")
        expect(page.locator("#nav-bell-count")).to_have_text("1")
        expect(page.locator("#nav-bell")).to_be_visible()  # outside the collapsed menu
        expect(page.locator("#nav-chat")).to_be_visible()
        page.locator("#crm-toasts .btn-close").click()
        page.locator("#nav-bell").click()
        expect(page.locator("#nav-bell-menu .notification-row")).to_have_count(1)
        box = page.locator(".crm-bell-menu").bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
        _shot(page, "bell-phone.png")
    finally:
        context.close()
