"""An agent works a WhatsApp conversation in /panel/ while the provider's webhooks arrive: all of it live.

pytest-django's ``live_server`` speaks WSGI only, and the panel needs its WebSocket, so these tests serve the
real ASGI application with daphne in a thread of the test process (static files from the finders, like
``live_server``). Events published from the test thread (``drain()``) reach it through the channel layer: the
in-memory layer is shared by the threads of this process, Redis when ``REDIS_URL`` is set. Webhook posts and
``drain()`` run in a worker thread (``off_loop``): Playwright's event loop in the test thread forbids the
``async_to_sync`` that publishing uses.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from conftest import make_user
from conversations.models import Conversation, Message
from tests.browser.conftest import RESULTS
from tests.browser.live import log_in as _log_in
from tests.browser.live import off_loop
from tests.conversations.conftest import drain, twilio_params

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ACCOUNT_SID = "AC" + "1" * 32
OUT_SID = "SM" + "b" * 32


@pytest.fixture
def twilio_api(httpserver, settings):  # type: ignore[no-untyped-def]
    settings.TWILIO_API_BASE_URL = httpserver.url_for("").rstrip("/")
    httpserver.expect_request(f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json", method="POST").respond_with_json(
        {"sid": OUT_SID, "status": "queued"}, status=201)
    return httpserver



def test_agent_replies_and_sees_delivery_and_new_messages_live(asgi_live_server, page, ai_off, post_twilio,
                                                              twilio_api, settings):
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver", "crm.example.com"]
    RESULTS.mkdir(exist_ok=True)
    base = asgi_live_server
    from accounts.models import Role

    make_user("lucia", Role.AGENT)
    assert off_loop(post_twilio, twilio_params(Body="Hola, quiero el plan de 200 megas")).status_code == 200
    off_loop(drain)
    conversation = Conversation.objects.get()

    _log_in(page, base, "lucia")
    row = page.locator(f"#row-{conversation.pk}")
    assert "Rosa Quispe" in row.inner_text()
    assert "200 megas" in row.locator(".preview").inner_text()
    page.wait_for_selector("#panel[data-live='on']")
    page.screenshot(path=str(RESULTS / "panel-inbox.png"), full_page=True)

    row.click()
    page.wait_for_url(f"{base}/panel/c/{conversation.pk}/")
    page.locator("#take-button").click()  # unassigned: the agent takes it first
    page.wait_for_selector("#panel[data-live='subscribed']")
    assert page.locator("#take-button").count() == 0
    assert "Hola, quiero el plan de 200 megas" in page.locator("#messages .msg-customer").first.inner_text()

    page.locator("#composer-text").fill("¡Hola Rosa! Sí tenemos 200 Mbps en tu zona.")
    page.locator("#send-button").click()
    sent = page.locator("#messages .msg-agent").last
    sent.wait_for()
    assert "200 Mbps en tu zona" in sent.inner_text()
    expect(page.locator("#composer-text")).to_have_value("")  # the composer came back empty
    off_loop(drain)  # the send task (already run inline in the embedded mode; pending with a real broker)
    assert [entry[0].form["Body"] for entry in twilio_api.log] == ["¡Hola Rosa! Sí tenemos 200 Mbps en tu zona."]
    message = Message.objects.get(direction="out")
    assert message.provider_message_id == OUT_SID
    tick = page.locator(f"#m-{message.pk} .tick")
    assert tick.get_attribute("data-tick") in ("queued", "sent")
    assert tick.inner_text() in ("◷", "✓")

    status = {"MessageSid": OUT_SID, "AccountSid": ACCOUNT_SID, "From": "whatsapp:+14155238886",
              "To": "whatsapp:+51987654321", "MessageStatus": "delivered"}
    assert off_loop(post_twilio, status, path="/webhooks/twilio/status/").status_code == 200
    off_loop(drain)
    page.wait_for_selector(f"#m-{message.pk} .tick[data-tick='delivered']")
    assert page.locator(f"#m-{message.pk} .tick").inner_text() == "✓✓"

    off_loop(post_twilio, twilio_params(MessageSid="SM" + "c" * 32, Body="Perfecto, ¿cuánto cuesta la instalación?"))
    off_loop(drain)
    page.locator("#messages .msg-customer", has_text="cuánto cuesta la instalación").wait_for()
    page.locator(f"#row-{conversation.pk} .preview", has_text="cuánto cuesta").wait_for()
    assert page.locator("#messages .msg").count() == 3  # no duplicates from the two groups we hear
    assert page.locator("#inbox-list .panel-row").first.get_attribute("id") == f"row-{conversation.pk}"
    # read while open: the row's unread badge goes away and the title carries no count
    page.locator(f"#row-{conversation.pk}[data-unread='0']").wait_for()
    assert not page.title().startswith("(")
    page.screenshot(path=str(RESULTS / "panel-conversation.png"), full_page=True)
