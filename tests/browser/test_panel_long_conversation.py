"""A long conversation in /panel/ (issue 19, item 5): it opens on the latest messages, at the bottom; scrolling to
the top brings the earlier ones above, with the reader kept where they were; a failed page says so and retries;
the start of the conversation says so; a customer's new message still arrives live and Enter still sends."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from conftest import make_user
from conversations.models import Conversation, Message
from panel.selectors import MESSAGE_PAGE_SIZE
from tests.browser.conftest import RESULTS
from tests.browser.live import inbound, off_loop
from tests.browser.live import log_in as _log_in
from tests.conversations.conftest import drain, twilio_params

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ACCOUNT_SID = "AC" + "1" * 32
OLDER = MESSAGE_PAGE_SIZE * 2 + 30  # two full earlier pages and a short last one


@pytest.fixture
def twilio_api(httpserver, settings):  # type: ignore[no-untyped-def]
    settings.TWILIO_API_BASE_URL = httpserver.url_for("").rstrip("/")
    httpserver.expect_request(f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json", method="POST").respond_with_json(
        {"sid": "SM" + "e" * 32, "status": "queued"}, status=201)
    return httpserver


def _history(conversation: Conversation, count: int) -> None:
    """``count`` older lines, both ways, over the last three days (so day separators show)."""
    messages = Message.objects.bulk_create([
        Message(conversation=conversation, channel_account=conversation.channel_account,
                direction="in" if n % 2 else "out", sender="customer" if n % 2 else "agent",
                status="received" if n % 2 else "read", text=f"Mensaje antiguo {n:03d}")
        for n in range(count)
    ])
    start = timezone.now() - timedelta(days=3)
    for n, message in enumerate(messages):
        message.created_at = start + timedelta(minutes=30 * n)
    Message.objects.bulk_update(messages, ["created_at"])


def _scroll_state(page):  # type: ignore[no-untyped-def]
    return page.evaluate("""() => { const box = document.getElementById('messages');
        return {top: box.scrollTop, height: box.scrollHeight, client: box.clientHeight}; }""")


def _top_of(page, selector: str) -> float:  # type: ignore[no-untyped-def]
    return page.evaluate("(s) => document.querySelector(s).getBoundingClientRect().top", selector)


def test_long_conversation_opens_at_the_latest_and_pages_back_on_scroll(asgi_live_server, page, ai_off, post_twilio,
                                                                       twilio_api, settings):
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver", "crm.example.com"]
    RESULTS.mkdir(exist_ok=True)
    base = asgi_live_server
    from accounts.models import Role

    lucia = make_user("lucia", Role.AGENT)
    conversation = inbound(post_twilio, Body="Hola, quiero el plan de 200 megas")
    off_loop(Conversation.objects.filter(pk=conversation.pk).update, assignee=lucia)
    off_loop(_history, conversation, OLDER)
    total = OLDER + 1
    messages = page.locator("#messages .msg")

    _log_in(page, base, "lucia")
    page.goto(f"{base}/panel/c/{conversation.pk}/")
    page.wait_for_selector("#panel[data-live='subscribed']")
    expect(messages).to_have_count(MESSAGE_PAGE_SIZE)  # the latest page only
    expect(page.locator("#messages-earlier")).to_have_attribute("data-state", "more")
    newest = page.locator("#messages .msg-customer", has_text="200 megas")
    expect(newest).to_be_in_viewport()  # opened at the bottom, on the latest message
    state = _scroll_state(page)
    assert state["top"] + state["client"] >= state["height"] - 2
    page.screenshot(path=str(RESULTS / "panel-long-conversation-latest.png"))

    # Scrolling to the top brings the page before, above; the message that was first stays where it was.
    first_id = messages.first.get_attribute("id")
    before = page.evaluate("""(id) => { document.getElementById('messages').scrollTop = 0;
        return document.getElementById(id).getBoundingClientRect().top; }""", first_id)  # before any page came
    expect(messages).to_have_count(MESSAGE_PAGE_SIZE * 2)
    expect(page.locator("#messages-earlier")).to_have_attribute("data-state", "more")
    assert abs(_top_of(page, f"#{first_id}") - before) <= 2, "the reader was moved"
    assert _scroll_state(page)["top"] > 0
    page.screenshot(path=str(RESULTS / "panel-long-conversation-earlier.png"))

    # A page that fails says so, and "Reintentar" asks again.
    failures = {"left": 1}

    def fail_once(route):  # type: ignore[no-untyped-def]
        if failures["left"]:
            failures["left"] -= 1
            route.fulfill(status=500, body="boom")
        else:
            route.continue_()

    page.route("**/earlier/**", fail_once)
    # Scrolled to the top again. (Not a click on "Cargar mensajes anteriores": bringing the button into view to
    # click it reaches the top, whose observer may ask for the page first and hide the button meanwhile.)
    page.evaluate("document.getElementById('messages').scrollTop = 0")
    expect(page.locator("#messages-earlier")).to_have_attribute("data-state", "error")
    expect(page.get_by_text("No se pudieron cargar los mensajes anteriores.")).to_be_in_viewport()
    page.screenshot(path=str(RESULTS / "panel-long-conversation-error.png"))
    page.get_by_role("button", name="Reintentar").click()
    # That was the last page: everything is there now, in order, each message once, and the start says so.
    expect(messages).to_have_count(total)
    expect(page.locator("#messages-earlier")).to_have_attribute("data-state", "start")
    expect(page.get_by_text("Inicio de la conversación")).to_be_visible()
    texts = page.locator("#messages .msg-text").all_inner_texts()
    assert texts[:3] == ["Mensaje antiguo 000", "Mensaje antiguo 001", "Mensaje antiguo 002"]
    assert texts[-1] == "Hola, quiero el plan de 200 megas"
    days = page.locator("#messages .day-separator").evaluate_all("(els) => els.map((e) => e.dataset.day)")
    assert len(days) == len(set(days)), f"a day shown twice: {days}"
    page.evaluate("() => { document.getElementById('messages').scrollTop = 0; }")
    expect(page.get_by_text("Inicio de la conversación")).to_be_in_viewport()
    page.screenshot(path=str(RESULTS / "panel-long-conversation-start.png"))

    # The customer writes again: it arrives live at the bottom, once.
    off_loop(post_twilio, twilio_params(MessageSid="SM" + "d" * 32, Body="¿Sigue en pie la oferta?"))
    off_loop(drain)
    live = page.locator("#messages .msg-customer", has_text="Sigue en pie la oferta")
    live.wait_for()
    expect(messages).to_have_count(total + 1)
    expect(live).to_be_in_viewport()

    # Enter still sends.
    composer = page.locator("#composer-text")
    composer.fill("Sí, la oferta sigue hasta el domingo.")
    composer.press("Enter")
    sent = page.locator("#messages .msg-agent", has_text="la oferta sigue hasta el domingo")
    sent.wait_for()
    expect(composer).to_have_value("")
    expect(messages).to_have_count(total + 2)
    assert page.locator("#messages .msg").last.get_attribute("id") == sent.get_attribute("id")
    page.screenshot(path=str(RESULTS / "panel-long-conversation-live.png"))


def test_a_message_that_came_live_is_not_doubled_by_an_earlier_page(asgi_live_server, page, ai_off, post_twilio,
                                                                     settings):
    """A customer writes while the agent reads; the pages they then load above never bring that message again,
    and a live update of an old message (not shown yet) waits for its page instead of landing at the bottom."""
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver", "crm.example.com"]
    base = asgi_live_server
    from accounts.models import Role

    lucia = make_user("lucia", Role.AGENT)
    conversation = inbound(post_twilio, Body="Primera consulta")
    off_loop(Conversation.objects.filter(pk=conversation.pk).update, assignee=lucia)
    off_loop(_history, conversation, MESSAGE_PAGE_SIZE + 10)
    _log_in(page, base, "lucia")
    page.goto(f"{base}/panel/c/{conversation.pk}/")
    page.wait_for_selector("#panel[data-live='subscribed']")
    messages = page.locator("#messages .msg")
    expect(messages).to_have_count(MESSAGE_PAGE_SIZE)

    off_loop(post_twilio, twilio_params(MessageSid="SM" + "f" * 32, Body="Otra cosa más"))
    off_loop(drain)
    page.locator("#messages .msg-customer", has_text="Otra cosa más").wait_for()
    # An old message, not on the page yet, changes (a late read receipt): it is not appended at the bottom.
    oldest = Message.objects.filter(conversation=conversation).order_by("created_at", "pk").first()
    page.evaluate("(id) => document.body.dispatchEvent(new CustomEvent('panel:sent', {detail: "
                  "{conversation: Number(document.getElementById('panel').dataset.conversation), message: id}}))",
                  oldest.pk)
    page.wait_for_timeout(500)
    expect(page.locator(f"#m-{oldest.pk}")).to_have_count(0)

    page.evaluate("() => { document.getElementById('messages').scrollTop = 0; }")
    expect(page.locator("#messages-earlier")).to_have_attribute("data-state", "start")
    expect(messages).to_have_count(MESSAGE_PAGE_SIZE + 10 + 2)
    expect(page.locator("#messages .msg-customer", has_text="Otra cosa más")).to_have_count(1)
    expect(page.locator(f"#m-{oldest.pk}")).to_have_count(1)
    assert page.locator("#messages .msg").first.get_attribute("id") == f"m-{oldest.pk}"
