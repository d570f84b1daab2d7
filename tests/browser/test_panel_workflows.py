"""Two agents work the panel at once: live inbound messages, live transfers, the board by status, notes that never
reach the provider, and conversations that are not yours staying closed. Screenshots go to ``test-results/``."""

from __future__ import annotations

import pytest

from conversations.models import Conversation, Note
from tests.browser.conftest import RESULTS
from tests.browser.live import inbound, log_in, off_loop
from tests.conversations.conftest import drain

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]



@pytest.fixture
def provider(httpserver, settings):  # type: ignore[no-untyped-def]
    """The fake Twilio: every request it gets is in ``httpserver.log``."""
    settings.TWILIO_API_BASE_URL = httpserver.url_for("").rstrip("/")
    httpserver.expect_request(f"/2010-04-01/Accounts/{'AC' + '1' * 32}/Messages.json", method="POST"
                              ).respond_with_json({"sid": "SM" + "e" * 32, "status": "queued"}, status=201)
    return httpserver


def _second_page(browser):  # type: ignore[no-untyped-def]
    context = browser.new_context(locale="es-PE", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    return context, page


def test_inbound_message_appears_live_in_a_second_agents_browser(asgi_live_server, browser, page, hosts, agents,
                                                                 ai_off, post_twilio):
    base = asgi_live_server
    context, marco = _second_page(browser)
    try:
        log_in(page, base, "lucia")
        log_in(marco, base, "marco")
        for p in (page, marco):
            p.wait_for_selector("#panel[data-live='on']")
            assert p.locator("#inbox-empty").count() == 1

        conversation = inbound(post_twilio, Body="Hola, ¿tienen fibra en Miraflores?")

        row = marco.locator(f"#row-{conversation.pk}")
        row.wait_for()
        assert "Rosa Quispe" in row.inner_text() and "Miraflores" in row.locator(".preview").inner_text()
        assert row.locator(".unread").inner_text() == "1"
        assert marco.title().startswith("(1) ")  # the unread count in the tab's title
        page.locator(f"#row-{conversation.pk}").wait_for()  # and in the first agent's too
        page.screenshot(path=str(RESULTS / "panel-inbox-live.png"), full_page=True)
    finally:
        context.close()


def test_transfer_shows_up_live_in_the_other_agents_mine_tab(asgi_live_server, browser, page, hosts, agents,
                                                             ai_off, post_twilio):
    lucia, marco_user = agents
    base = asgi_live_server
    conversation = inbound(post_twilio, Body="Quiero portar mi número")
    Conversation.objects.filter(pk=conversation.pk).update(assignee=lucia)
    context, marco = _second_page(browser)
    try:
        log_in(marco, base, "marco")
        marco.goto(f"{base}/panel/?tab=mine")
        marco.wait_for_selector("#panel[data-live='on']")
        assert marco.locator(f"#row-{conversation.pk}").count() == 0
        marco.locator("#notify-toggle").click()  # opt in to the sound and desktop alerts
        assert marco.locator("#notify-toggle").get_attribute("aria-pressed") == "true"
        assert marco.evaluate("window.localStorage.getItem('panel:notify')") == "on"

        log_in(page, base, "lucia")
        page.goto(f"{base}/panel/c/{conversation.pk}/")
        page.wait_for_selector("#panel[data-live='subscribed']")
        page.screenshot(path=str(RESULTS / "panel-conversation-360.png"), full_page=True)
        page.locator("#transfer-to").select_option(str(marco_user.pk))
        page.locator("#transfer-form input[name=note]").fill("sabe de portabilidad")
        page.locator("#transfer-form button[type=submit]").click()
        page.wait_for_url(f"{base}/panel/")

        marco.locator(f"#row-{conversation.pk}").wait_for()
        assert "Marco" in marco.locator(f"#row-{conversation.pk} .assignee").inner_text()
        marco.locator(f"#panel[data-last-alert='{conversation.pk}']").wait_for()  # the assigned-to-me alert fired
        conversation.refresh_from_db()
        assert conversation.assignee == marco_user
    finally:
        context.close()


def test_agent_cannot_open_someone_elses_conversation_by_url(asgi_live_server, page, hosts, agents, ai_off,
                                                             post_twilio):
    lucia, marco_user = agents
    base = asgi_live_server
    conversation = inbound(post_twilio)
    Conversation.objects.filter(pk=conversation.pk).update(assignee=marco_user)
    log_in(page, base, "lucia")
    assert page.locator(f"#row-{conversation.pk}").count() == 0
    response = page.goto(f"{base}/panel/c/{conversation.pk}/")
    assert response is not None and response.status == 404


def test_a_note_with_a_mention_never_reaches_the_provider(asgi_live_server, browser, page, hosts, agents, ai_off,
                                                          post_twilio, provider):
    lucia, marco_user = agents
    base = asgi_live_server
    conversation = inbound(post_twilio)
    Conversation.objects.filter(pk=conversation.pk).update(assignee=lucia)
    context, marco = _second_page(browser)
    try:
        log_in(marco, base, "marco")
        marco.wait_for_selector("#panel[data-live='on']")
        log_in(page, base, "lucia")
        page.goto(f"{base}/panel/c/{conversation.pk}/")
        page.locator("#note-form textarea").fill("@marco ojo: pidió que lo llamen después de las 6")
        page.locator("#note-form button[type=submit]").click()
        page.locator("#notes .mention[data-mention='marco']").wait_for()
        toast = marco.locator("#toasts .panel-toast")
        toast.wait_for()  # the mentioned agent hears about it live
        assert "pidió que lo llamen" in toast.inner_text()
        off_loop(drain)
        assert Note.objects.get().text.startswith("@marco")
        assert provider.log == []  # nothing went to the provider
    finally:
        context.close()


def test_kanban_drag_changes_the_status(asgi_live_server, page, hosts, agents, ai_off, post_twilio):
    lucia, _ = agents
    base = asgi_live_server
    conversation = inbound(post_twilio, Body="¿Cuánto cuesta el plan?")
    Conversation.objects.filter(pk=conversation.pk).update(assignee=lucia)
    log_in(page, base, "lucia")
    page.goto(f"{base}/panel/kanban/")
    card = page.locator(f"#card-{conversation.pk}")
    assert card.get_attribute("data-status") == "open"
    page.screenshot(path=str(RESULTS / "panel-kanban.png"), full_page=True)

    card.drag_to(page.locator("#column-pending .kanban-cards"))

    page.locator(f"#column-pending #card-{conversation.pk}[data-status='pending']").wait_for()
    conversation.refresh_from_db()
    assert conversation.status == "pending"
    assert page.locator("#column-pending .column-count").inner_text() == "1"

    # the keyboard way: the card's select and its button
    page.locator(f"#card-{conversation.pk} select[name=status]").select_option("resolved")
    page.locator(f"#card-{conversation.pk} .kanban-move button").click()
    page.locator(f"#column-resolved #card-{conversation.pk}").wait_for()
    conversation.refresh_from_db()
    assert conversation.status == "resolved"
