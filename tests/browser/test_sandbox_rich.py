"""Rich replies on the sandbox phone, in a real browser: the AI's greeting shows its two options, and tapping one
answers with it, read back as the choice (here, a person is asked for)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from conversations.models import Conversation, Message
from conversations.services.accounts import channel_accounts_sync_from_env
from integrations.base import Provider
from tests.browser.live import off_loop
from tests.conversations.conftest import drain

# The customer's line once the server has stored it: the page shows it at once, marked pending, while it posts.
STORED = ".sb-mine[data-pending='false']"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_sandbox_customer_taps_an_option_of_the_greeting(asgi_live_server, browser, settings, hosts):
    settings.SANDBOX_ENABLED = True
    channel_accounts_sync_from_env()
    context = browser.new_context(locale="es-PE", viewport={"width": 900, "height": 900})
    phone = context.new_page()
    phone.set_default_timeout(15_000)
    try:
        phone.goto(f"{asgi_live_server}/sandbox/")
        phone.locator(".sandbox-preset", has_text="Rosa Quispe").click()
        phone.wait_for_selector("#sandbox[data-live='on']")
        box = phone.locator("#sandbox-text")
        box.fill("Hola")
        box.press("Enter")
        phone.locator(STORED, has_text="Hola").wait_for()
        off_loop(drain)

        options = phone.locator(".sb-theirs .sb-option")
        expect(options).to_have_text(["Ver productos", "Hablar con un asesor"])
        options.nth(1).click()
        phone.locator(STORED, has_text="Hablar con un asesor").wait_for()
        off_loop(drain)

        conversation = Conversation.objects.get(channel_account__provider=Provider.SANDBOX)
        tap = Message.objects.filter(conversation=conversation, direction="in").latest("pk")
        assert (tap.type, tap.interactive_id) == ("interactive", "menu:agent")
        conversation.refresh_from_db()
        assert conversation.needs_human
    finally:
        context.close()
