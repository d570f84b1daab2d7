"""The sandbox in a real browser: a customer writes from /sandbox/, the AI answers there, an agent sees the chat live in
/panel/, answers with Enter, and the phone shows the reply and its ticks. The composer's keys (Enter, Shift+Enter, an
IME composition, the Ctrl+Enter preference) in the panel. Screenshots go to ``var/screenshots/`` (not committed).
"""

from __future__ import annotations

import time
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from playwright.sync_api import expect

from conversations.models import ChannelAccount, Conversation, Message
from conversations.services.accounts import channel_accounts_sync_from_env
from integrations.base import Provider
from operators.models import Category
from tests.browser.live import inbound, log_in, off_loop
from tests.conversations.conftest import drain
from tests.operators.factories import OperatorFactory, ProductFactory

# The customer's line once the server has stored it: the page shows it at once, marked pending, while it posts.
STORED = ".sb-mine[data-pending='false']"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(django_settings.BASE_DIR) / "var" / "screenshots"

# Dispatches a keydown the way a browser does while an IME composition is open (Playwright's keyboard cannot).
IME_ENTER = """(selector) => {
  const box = document.querySelector(selector);
  box.dispatchEvent(new KeyboardEvent("keydown", {key: "Enter", code: "Enter", keyCode: 229, isComposing: true,
                                                  bubbles: true, cancelable: true}));
}"""


@pytest.fixture
def demo_like(settings, hosts, agents, post_twilio):  # type: ignore[no-untyped-def]
    """The sandbox on, a small catalog, and a customer already waiting on WhatsApp: the panel is not empty."""
    settings.SANDBOX_ENABLED = True
    SHOTS.mkdir(parents=True, exist_ok=True)
    channel_accounts_sync_from_env()
    ChannelAccount.objects.exclude(provider=Provider.SANDBOX).update(ai_mode=ChannelAccount.AIMode.OFF)
    claro = OperatorFactory(name="Claro", slug="claro")
    ProductFactory(operator=claro, category=Category.INTERNET_HOME, name="Fibra Claro 200 Mbps", speed_mbps=200,
                   price=Decimal("89.90"), sku="CLARO-FIBRA-200")
    ProductFactory(operator=claro, category=Category.INTERNET_HOME, name="Fibra Claro 500 Mbps", speed_mbps=500,
                   price=Decimal("129.90"), sku="CLARO-FIBRA-500")
    inbound(post_twilio, Body="Buenas, ¿tienen chips prepago?", From="whatsapp:+51944555666", WaId="51944555666",
            ProfileName="Luis Flores", MessageSid="SM" + "f" * 32)
    return settings


def _settle(tick, value: str, *, seconds: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    """Run the workers' part until ``tick`` shows ``value``: the phone's read receipt reaches the server on its
    own time, and with Redis its status event waits in the broker for the next drain."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        off_loop(drain)
        if tick.get_attribute("data-tick") == value:
            return
        time.sleep(0.2)
    expect(tick).to_have_attribute("data-tick", value)


def _phone(browser):  # type: ignore[no-untyped-def]
    context = browser.new_context(locale="es-PE", viewport={"width": 1100, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


def test_a_sandbox_customer_chats_with_the_ai_and_an_agent_live(asgi_live_server, browser, page, demo_like):
    base = asgi_live_server
    context, phone = _phone(browser)
    errors: list[str] = []
    for p in (phone, page):
        p.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    try:
        # The agent has the panel open before the customer writes.
        log_in(page, base, "lucia")
        page.wait_for_selector("#panel[data-live='on']")

        phone.goto(f"{base}/sandbox/")
        expect(phone.locator("#sandbox-start")).to_be_visible()
        phone.screenshot(path=str(SHOTS / "sandbox-start.png"), full_page=True)
        phone.locator("#sandbox-phone").fill("12ab")
        phone.locator("#sandbox-start-button").click()
        expect(phone.locator("#sandbox-start-error")).to_contain_text("no es un número de teléfono válido")
        phone.locator(".sandbox-preset", has_text="Rosa Quispe").click()
        expect(phone.locator("#sandbox-chat")).to_be_visible()
        phone.wait_for_selector("#sandbox[data-live='on']")
        expect(phone.locator("#sandbox-who")).to_contain_text("+51987654321")

        box = phone.locator("#sandbox-text")
        box.fill("Hola, quiero el plan de fibra de 200 megas")
        box.press("Enter")
        phone.locator(STORED, has_text="fibra de 200 megas").wait_for()
        expect(box).to_have_value("")
        off_loop(drain)  # what the workers do with a real broker (already done in process in the embedded mode)

        # The AI answers on the phone, and the phone reports it read.
        ai_reply = phone.locator(".sb-theirs").first
        ai_reply.wait_for()
        expect(ai_reply.locator(".sb-label")).to_have_text("Asistente de IA")
        _settle(ai_reply.locator(".sb-tick"), "read")
        conversation = Conversation.objects.get(channel_account__provider=Provider.SANDBOX)
        ai_message = Message.objects.get(conversation=conversation, sender="ai")
        assert ai_message.status == "read" and ai_message.delivered_at and ai_message.read_at
        phone.screenshot(path=str(SHOTS / "sandbox-ai-reply.png"), full_page=True)

        # The chat showed up live in the agent's inbox, with the sandbox badge.
        row = page.locator(f"#row-{conversation.pk}")
        row.wait_for()
        assert "Rosa Quispe" in row.inner_text() and row.locator(".channel-sandbox").count() == 1
        row.click()
        page.wait_for_url(f"{base}/panel/c/{conversation.pk}/")
        page.locator("#take-button").click()
        page.wait_for_selector("#panel[data-live='subscribed']")
        expect(page.locator("#messages .msg-customer").first).to_contain_text("fibra de 200 megas")
        expect(page.locator(f"#m-{ai_message.pk} .tick")).to_have_attribute("data-tick", "read")

        # The customer writes again: it appears live in the open conversation.
        box.fill("¿Y la instalación cuánto cuesta?")
        box.press("Enter")
        phone.locator(STORED, has_text="instalación cuánto cuesta").wait_for()
        off_loop(drain)
        page.locator("#messages .msg-customer", has_text="instalación cuánto cuesta").wait_for()

        # The agent answers with Enter (Shift+Enter only adds a line).
        composer = page.locator("#composer-text")
        composer.fill("¡Hola Rosa! La instalación es gratis.")
        composer.press("Shift+Enter")
        composer.type("Te paso los planes de fibra.")
        expect(composer).to_have_value("¡Hola Rosa! La instalación es gratis.\nTe paso los planes de fibra.")
        composer.press("Enter")
        sent = page.locator("#messages .msg-agent", has_text="La instalación es gratis")
        sent.wait_for()
        expect(page.locator("#composer-text")).to_have_value("")
        off_loop(drain)
        off_loop(drain)

        # The phone shows the agent's reply and its ticks, up to read; the panel's tick follows.
        agent_reply = phone.locator(".sb-theirs", has_text="La instalación es gratis")
        agent_reply.wait_for()
        expect(agent_reply.locator(".sb-label")).to_have_text("Agente")
        expect(agent_reply.locator(".sb-text")).to_have_text(
            "¡Hola Rosa! La instalación es gratis.\nTe paso los planes de fibra.")
        _settle(agent_reply.locator(".sb-tick"), "read")
        reply = Message.objects.get(conversation=conversation, sender="agent")
        expect(page.locator(f"#m-{reply.pk} .tick")).to_have_attribute("data-tick", "read")
        expect(page.locator(f"#m-{reply.pk} .tick")).to_have_text("✓✓")
        reply.refresh_from_db()
        assert (reply.status, reply.send_state, reply.author.username) == ("read", "done", "lucia")
        assert reply.provider_message_id.startswith("sbx-out-")
        phone.screenshot(path=str(SHOTS / "sandbox-agent-reply.png"), full_page=True)
        page.screenshot(path=str(SHOTS / "panel-sandbox-conversation.png"), full_page=True)

        # A reload keeps the session and the whole chat; nothing is shown twice.
        phone.reload()
        phone.wait_for_selector("#sandbox[data-live='on']")
        expect(phone.locator(".sb-msg")).to_have_count(4)

        # A bad line is refused with a clear error and stays in the box.
        phone.evaluate("document.getElementById('sandbox-text').removeAttribute('maxlength')")
        box.fill("x" * 4097)
        box.press("Enter")
        expect(phone.locator("#sandbox-error")).to_contain_text("4096")
        expect(box).to_have_value("x" * 4097)
        expect(phone.locator(".sb-msg")).to_have_count(4)
        assert Message.objects.filter(conversation__contact__phone="+51987654321", direction="in").count() == 2
        assert not [e for e in errors if "Content Security Policy" in e or "CSP" in e], errors
    finally:
        context.close()


def test_composer_keys_enter_shift_enter_ime_and_the_ctrl_enter_preference(asgi_live_server, page, demo_like,
                                                                             agents):
    base = asgi_live_server
    lucia, _marco = agents
    conversation = Conversation.objects.get(contact__phone="+51944555666")
    Conversation.objects.filter(pk=conversation.pk).update(assignee=lucia)
    log_in(page, base, "lucia")
    page.goto(f"{base}/panel/c/{conversation.pk}/")
    page.wait_for_selector("#panel[data-live='subscribed']")
    composer = page.locator("#composer-text")

    def outbound() -> int:
        return Message.objects.filter(conversation=conversation, direction="out").count()

    # An IME composition's Enter never sends; an empty box never sends.
    composer.fill("こんにちは")
    page.evaluate(IME_ENTER, "#composer-text")
    composer.fill("")
    composer.press("Enter")
    page.wait_for_timeout(300)
    assert outbound() == 0
    hint = page.locator("#composer-hint")  # (its words are new msgids: compared with the template's, not Spanish)
    expect(hint).to_have_text(hint.get_attribute("data-enter"))

    # Turn on "send with Ctrl+Enter" in the composer's menu: Enter adds a line, Ctrl+Enter sends.
    page.locator("#composer-menu-button").click()
    page.locator("#send-with-ctrl").check()
    expect(hint).to_have_text(hint.get_attribute("data-ctrl"))
    page.screenshot(path=str(SHOTS / "panel-composer-menu.png"))
    composer.fill("Primera línea")
    composer.press("Enter")
    composer.type("segunda línea")
    expect(composer).to_have_value("Primera línea\nsegunda línea")
    assert outbound() == 0
    composer.press("Control+Enter")
    page.locator("#messages .msg-agent", has_text="segunda línea").wait_for()
    assert outbound() == 1

    # The preference stays after the composer comes back and after a reload; switching it off restores Enter.
    page.reload()
    page.wait_for_selector("#panel[data-live='subscribed']")
    assert page.locator("#send-with-ctrl").is_checked()
    page.locator("#composer-menu-button").click()
    page.locator("#send-with-ctrl").uncheck()
    composer.fill("Con Enter otra vez")
    composer.press("Enter")
    page.locator("#messages .msg-agent", has_text="Con Enter otra vez").wait_for()

    # The notes box: Enter saves the note, Shift+Enter adds a line.
    note = page.locator("#note-form textarea[name='text']")
    note.fill("Cliente pide")
    note.press("Shift+Enter")
    note.type("chips prepago")
    note.press("Enter")
    page.locator("#notes .note-text", has_text="chips prepago").wait_for()
    off_loop(drain)
    assert outbound() == 2
