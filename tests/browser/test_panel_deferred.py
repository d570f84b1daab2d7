"""The conversation page comes without the inbox's list and the sidebar's secondary cards; it asks for them right
after (issue 19, item 5). What an agent sees and can do stays the same: the list with the open conversation marked,
kept live even for a row that changed while the list was on its way, and the customer's card, whose form saves.
"""

from __future__ import annotations

import re

import pytest

from accounts.models import Role
from conftest import make_user
from conversations.models import Conversation
from tests.browser.live import log_in, off_loop
from tests.conversations.conftest import drain, twilio_params

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PEDRO = {"From": "whatsapp:+51911111111", "WaId": "51911111111", "ProfileName": "Pedro Ruiz"}
# Every live event the page hands on, as "<type>:<conversation>", for the test to wait on.
RECORD_EVENTS = """document.addEventListener("panel:live", function (event) {
  const data = event.detail.data || {};
  (window.__panelEvents = window.__panelEvents || []).push(event.detail.type + ":" + (data.conversation || data.id));
});"""


def _two_chats_and_lucia_logged_in(page, base, post_twilio) -> tuple[Conversation, Conversation]:  # type: ignore[no-untyped-def]
    """Rosa's and Pedro's conversations, unassigned, and the agent Lucía signed in: (rosa, pedro)."""
    make_user("lucia", Role.AGENT)
    off_loop(post_twilio, twilio_params(Body="Hola, quiero fibra"))
    off_loop(post_twilio, twilio_params(MessageSid="SM" + "d" * 32, Body="Buenas, ¿precio del plan?", **PEDRO))
    off_loop(drain)
    log_in(page, base, "lucia")
    return (Conversation.objects.get(contact__name="Rosa Quispe"), Conversation.objects.get(contact__name="Pedro Ruiz"))


def test_a_row_that_changes_while_the_list_loads_is_shown_as_it_now_is(asgi_live_server, page, hosts, ai_off,
                                                                          post_twilio):
    base = asgi_live_server
    rosa, pedro = _two_chats_and_lucia_logged_in(page, base, post_twilio)

    # The list's answer is read from the server at once but handed to the page only after Pedro writes again.
    held = []
    page.route(re.compile(r"/panel/list/"), lambda route: held.append((route, route.fetch())))
    page.add_init_script(RECORD_EVENTS)
    page.goto(f"{base}/panel/c/{rosa.pk}/")
    page.wait_for_function("() => ['on', 'subscribed'].includes(document.getElementById('panel').dataset.live)")
    assert page.locator("#inbox-loading").is_visible()
    while not held:
        page.wait_for_timeout(50)
    off_loop(post_twilio, twilio_params(MessageSid="SM" + "e" * 32, Body="¿Y cuánto cuesta la instalación?", **PEDRO))
    off_loop(drain)
    page.wait_for_function(f"() => (window.__panelEvents || []).includes('message.created:{pedro.pk}')")
    route, stale = held[0]
    assert "instalación" not in stale.text()  # the list as it was before Pedro's second message
    route.fulfill(response=stale)

    page.locator(f"#row-{pedro.pk} .preview", has_text="cuánto cuesta la instalación").wait_for()
    assert page.locator("#inbox-list .panel-row").first.get_attribute("id") == f"row-{pedro.pk}"
    assert page.locator(f"#row-{rosa.pk}.panel-row-active").count() == 1
    assert page.locator("#inbox-loading").count() == 0


def test_the_customer_card_comes_after_the_page_and_its_form_saves(asgi_live_server, page, hosts, ai_off,
                                                                   post_twilio):
    base = asgi_live_server
    make_user("lucia", Role.AGENT)
    off_loop(post_twilio, twilio_params(Body="Hola, quiero fibra en Surco"))
    off_loop(drain)
    rosa = Conversation.objects.get()
    log_in(page, base, "lucia")

    page.goto(f"{base}/panel/c/{rosa.pk}/")
    page.locator("#contact-form").wait_for()
    page.locator("#id_zone").fill("Surco")
    page.locator("#contact-save").click()
    page.locator("#contact-saved").wait_for()
    rosa.contact.refresh_from_db()
    assert rosa.contact.zone == "Surco"
    page.locator(f"#row-{rosa.pk}.panel-row-active").wait_for()


def test_moving_to_the_next_conversation_shows_the_last_list_at_once_until_the_fresh_one_comes(
        asgi_live_server, page, hosts, ai_off, post_twilio):
    base = asgi_live_server
    rosa, pedro = _two_chats_and_lucia_logged_in(page, base, post_twilio)
    page.goto(f"{base}/panel/c/{rosa.pk}/")
    page.locator(f"#row-{pedro.pk}").wait_for()  # the fresh list, now kept for this tab

    held = []
    page.route(re.compile(r"/panel/list/"), lambda route: held.append((route, route.fetch())))
    page.goto(f"{base}/panel/c/{pedro.pk}/")
    while not held:
        page.wait_for_timeout(50)
    # The fresh list is still on its way: the last one is shown, Pedro's row marked, no "Loading…".
    assert page.locator(".inbox-cached .panel-row").count() == 2
    assert page.locator(f".inbox-cached #row-{pedro.pk}.panel-row-active").count() == 1
    assert page.locator(f".inbox-cached #row-{rosa.pk}.panel-row-active").count() == 0
    assert not page.locator("#inbox-loading").is_visible()
    route, fresh = held[0]
    route.fulfill(response=fresh)
    page.locator(".inbox-cached").wait_for(state="detached")
    assert page.locator(f"#inbox-list #row-{pedro.pk}.panel-row-active").count() == 1
