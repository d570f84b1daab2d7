"""The board by status and the inbox's tab badges follow what others do, without a reload: a status changed
elsewhere moves the card, a new customer's message adds one, a transfer takes it off "Mine", and the badges
count again. Screenshots go to ``test-results/``."""

from __future__ import annotations

import pytest

from conversations.models import Conversation
from conversations.services.inbox import conversation_assign, conversation_set_status, conversation_transfer
from tests.browser.conftest import RESULTS
from tests.browser.live import inbound, log_in, off_loop

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]



def _new_customer(post, n: int, name: str, text: str) -> Conversation:  # type: ignore[no-untyped-def]
    phone = f"5199900000{n}"
    return inbound(post, From=f"whatsapp:+{phone}", WaId=phone, ProfileName=name, Body=text,
                    MessageSid="SM" + str(n) * 32)


def _service(fn, pk: int, **kwargs) -> None:  # type: ignore[no-untyped-def]
    """What another actor does, in a worker thread as a request would (events go out on commit)."""
    off_loop(lambda: fn(conversation=Conversation.objects.get(pk=pk), **kwargs))


def _count(page, status: str) -> str:  # type: ignore[no-untyped-def]
    return page.locator(f"#column-{status} .column-count").inner_text()


def test_board_moves_adds_and_drops_cards_live(asgi_live_server, page, hosts, agents, ai_off, post_twilio):
    from playwright.sync_api import expect

    lucia, marco = agents
    base = asgi_live_server
    conversation = inbound(post_twilio, Body="¿Cuánto cuesta el plan?")
    Conversation.objects.filter(pk=conversation.pk).update(assignee=lucia)
    log_in(page, base, "lucia")
    page.goto(f"{base}/panel/kanban/")
    page.wait_for_selector("#kanban[data-live='on']")
    page.locator(f"#column-open #card-{conversation.pk}").wait_for()
    assert page.locator("#column-pending .kanban-empty").count() == 1

    # someone else (here lucia in another tab, through the service) sets the status: the card moves
    _service(conversation_set_status, conversation.pk, actor=lucia, status="pending")
    page.locator(f"#column-pending #card-{conversation.pk}[data-status='pending']").wait_for()
    assert page.locator(f"#column-open #card-{conversation.pk}").count() == 0
    assert (_count(page, "open"), _count(page, "pending")) == ("0", "1")
    assert page.locator("#column-pending .kanban-empty").count() == 0
    assert page.locator("#column-open .kanban-empty").count() == 1
    assert page.locator(f"#card-{conversation.pk} select[name=status]").input_value() == "pending"

    # a new customer writes: their conversation enters the queue, so the board's "open" column
    new = _new_customer(post_twilio, 2, "Luis Flores", "Hola, ¿llega la fibra a Surco?")
    card = page.locator(f"#column-open #card-{new.pk}")
    card.wait_for()
    assert "Luis Flores" in card.inner_text() and "Surco" in card.inner_text()
    assert _count(page, "open") == "1"
    page.screenshot(path=str(RESULTS / "panel-kanban-live.png"), full_page=True)

    # dragging still works, and the live echo of our own move does not count the card twice
    with page.expect_response(lambda r: f"/panel/card/{new.pk}/" in r.url):
        card.drag_to(page.locator("#column-pending .kanban-cards"))
    page.locator(f"#column-pending #card-{new.pk}[data-status='pending']").wait_for()
    expect(page.locator("#column-pending .column-count")).to_have_text("2")
    assert _count(page, "open") == "0" and page.locator(".kanban-card").count() == 2
    assert Conversation.objects.get(pk=new.pk).status == "pending"

    # on "Mine", a transfer to marco takes the card off the board; taking one from the queue puts it on
    page.goto(f"{base}/panel/kanban/?tab=mine")
    page.wait_for_selector("#kanban[data-live='on']")
    page.locator(f"#card-{conversation.pk}").wait_for()
    assert page.locator(f"#card-{new.pk}").count() == 0  # still in the queue
    _service(conversation_transfer, conversation.pk, actor=lucia, to=marco)
    expect(page.locator(f"#card-{conversation.pk}")).to_have_count(0)
    expect(page.locator("#column-pending .column-count")).to_have_text("0")
    _service(conversation_assign, new.pk, actor=lucia, assignee=lucia)
    page.locator(f"#column-pending #card-{new.pk}").wait_for()
    expect(page.locator("#column-pending .column-count")).to_have_text("1")


def test_inbox_tab_badges_change_live_after_an_inbound_message(asgi_live_server, page, hosts, agents, ai_off,
                                                               post_twilio):
    from playwright.sync_api import expect

    lucia, _ = agents
    base = asgi_live_server
    log_in(page, base, "lucia")
    page.wait_for_selector("#panel[data-live='on']")
    unassigned = page.locator("#inbox-tabs [data-count-for='unassigned']")
    unread = page.locator("#inbox-tabs [data-unread-for='unassigned']")
    # the badges arrive a moment after the page (it asks /panel/counts/ once shown)
    expect(unassigned).to_have_text("0")
    expect(page.locator("#inbox-tabs [data-count-for='all']")).to_have_text("0")
    assert unread.is_hidden()

    conversation = _new_customer(post_twilio, 3, "Rosa Quispe", "Hola, quiero portar mi número")

    expect(unassigned).to_have_text("1")
    expect(page.locator("#inbox-tabs [data-count-for='all']")).to_have_text("1")
    expect(unread).to_be_visible()
    expect(unread).to_have_text("1")
    expect(page.locator("#inbox-tabs [data-count-for='mine']")).to_have_text("0")
    page.screenshot(path=str(RESULTS / "panel-inbox-badges.png"))

    # taking it moves the count from the queue's tab to "Mine"; resolving it leaves nothing waiting
    _service(conversation_assign, conversation.pk, actor=lucia, assignee=lucia)
    expect(page.locator("#inbox-tabs [data-count-for='mine']")).to_have_text("1")
    expect(unassigned).to_have_text("0")
    expect(unread).to_be_hidden()
    _service(conversation_set_status, conversation.pk, actor=lucia, status="resolved")
    expect(page.locator("#inbox-tabs [data-count-for='mine']")).to_have_text("0")
    expect(page.locator("#inbox-tabs [data-count-for='all']")).to_have_text("0")


def test_window_countdown_ticks_on_the_board_and_restarts_on_a_card_redrawn_live(asgi_live_server, page, hosts,
                                                                                   agents, ai_off, post_twilio):
    import re
    from datetime import timedelta

    from django.utils import timezone
    from playwright.sync_api import expect

    lucia, _ = agents
    base = asgi_live_server
    conversation = inbound(post_twilio, Body="¿Sigue la promo?")
    # the customer wrote 20 hours ago: 4 hours left to answer with free text
    Conversation.objects.filter(pk=conversation.pk).update(
        assignee=lucia, last_inbound_at=timezone.now() - timedelta(hours=20))
    page.clock.install()
    log_in(page, base, "lucia")
    page.goto(f"{base}/panel/kanban/")
    page.wait_for_selector("#kanban[data-live='on']")
    badge = page.locator(f"#card-{conversation.pk} .window-countdown")
    expect(badge).to_have_text(re.compile(r"^ventana 3 h 5\d min$"))

    page.clock.fast_forward("02:00:00")  # two hours on the agent's screen
    expect(badge).to_have_text(re.compile(r"^ventana 1 h 5\d min$"))
    expect(badge).to_have_class(re.compile(r"text-bg-warning"))

    # the card is drawn again by the server (whose clock did not move): it counts from its new figure
    _service(conversation_set_status, conversation.pk, actor=lucia, status="pending")
    page.locator(f"#column-pending #card-{conversation.pk}").wait_for()
    expect(badge).to_have_text(re.compile(r"^ventana 3 h 5\d min$"))
    page.clock.fast_forward("04:00:00")
    expect(badge).to_have_text("ventana cerrada")
