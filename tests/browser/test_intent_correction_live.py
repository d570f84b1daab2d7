"""An agent corrects the intent the AI read, in the reading card of a real browser, and a colleague who has the
same conversation open sees the card change without reloading. Screenshot in ``test-results/``."""

from __future__ import annotations

import pytest

from ai.models import IntentCorrection
from conversations.models import Message
from tests.browser.conftest import RESULTS
from tests.browser.live import inbound, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_correction_in_the_reading_card_shows_live_in_a_colleagues_open_conversation(
        asgi_live_server, browser, page, hosts, agents, ai_off, post_twilio):
    lucia, _marco = agents
    base = asgi_live_server
    conversation = inbound(post_twilio, Body="el chip que me mandaron no agarra señal hace tres días")
    # What the AI step would have left on it (the AI is off in these tests).
    Message.objects.filter(conversation=conversation).update(
        intent="product_query", sentiment="negative", ai_flags={"analyzed": True, "confidence": 0.44})
    context = browser.new_context(locale="es-PE", viewport={"width": 1280, "height": 900})
    marco = context.new_page()
    marco.set_default_timeout(10_000)
    try:
        for who, p in (("marco", marco), ("lucia", page)):
            log_in(p, base, who)
            p.goto(f"{base}/panel/c/{conversation.pk}/")
            p.wait_for_selector("#panel[data-live='subscribed']")
            assert p.locator("#ai-intent").get_attribute("data-intent") == "product_query"

        page.locator("#intent-select").select_option("complaint")
        page.locator("#intent-submit").click()

        page.wait_for_selector("#ai-intent[data-intent='complaint']")
        assert "Reclamo" in page.locator("#ai-intent").inner_text()
        assert "lucia" in page.locator("#ai-intent-corrected").inner_text().lower()
        page.locator("#intent-saved").wait_for()
        # The colleague's card asks again when the message's update arrives on their socket.
        marco.wait_for_selector("#ai-intent[data-intent='complaint']")
        assert "lucia" in marco.locator("#ai-intent-corrected").inner_text().lower()
        marco.locator("#ai-reading").screenshot(path=str(RESULTS / "panel-intent-corrected.png"))
        correction = IntentCorrection.objects.get()
        assert (correction.intent, correction.predicted_intent, correction.corrected_by) == (
            "complaint", "product_query", lucia)
    finally:
        context.close()
