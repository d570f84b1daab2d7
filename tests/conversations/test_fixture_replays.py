"""Every recorded provider payload, signed for real, goes through the webhook and lands as it should."""

import json
import re
from pathlib import Path

import pytest
from werkzeug import Response

from conversations.models import Message, WebhookEvent
from integrations.base import MessageType
from integrations.meta.webhooks import parse_instagram, parse_whatsapp
from integrations.twilio.webhooks import parse_inbound, parse_status
from tests.conversations.conftest import drain

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("ai_off")]

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
MEDIA = {MessageType.IMAGE, MessageType.AUDIO, MessageType.VIDEO, MessageType.DOCUMENT, MessageType.STICKER}


@pytest.fixture
def fake_media(httpserver, settings):
    """Graph API media lookups and files, and Twilio media URLs, all on one local server."""
    base = httpserver.url_for("").rstrip("/")
    settings.META_GRAPH_BASE_URL = base
    settings.INSTAGRAM_GRAPH_BASE_URL = base  # media are fetched only from the provider's (here: fake) hosts
    settings.TWILIO_API_BASE_URL = base

    def media_info(request):
        media_id = request.path.strip("/")
        body = {"url": f"{base}/file/{media_id}", "mime_type": "image/jpeg", "file_size": "9", "id": media_id}
        return Response(json.dumps(body), content_type="application/json")

    httpserver.expect_request(re.compile(r"^/\d+$")).respond_with_handler(media_info)
    httpserver.expect_request(re.compile(r"^/file/.*")).respond_with_data(b"fakebytes", content_type="image/jpeg")
    httpserver.expect_request(re.compile(r"^/2010-04-01/.*")).respond_with_data(b"twiliobytes",
                                                                             content_type="image/jpeg")
    return base


def _check_landed(messages, statuses) -> None:
    drain()
    for item in messages:
        message = Message.objects.get(provider_message_id=item.external_id)
        assert message.type == item.type
        assert message.direction == ("out" if item.is_echo else "in")
        if item.type in MEDIA and item.media:
            assert message.media_state == "stored", message.error_message
    for item in statuses:
        event = WebhookEvent.objects.get(kind="status", ref_id=item.external_id)
        assert event.state == WebhookEvent.State.WAITING  # not our message in this test: kept, not dropped
    if not messages and not statuses:
        assert WebhookEvent.objects.get().state == WebhookEvent.State.IGNORED
    assert not WebhookEvent.objects.filter(state__in=["received", "failed"]).exists()


@pytest.mark.parametrize("path", sorted((FIXTURES / "meta" / "whatsapp").glob("*.json")), ids=lambda p: p.stem)
def test_every_whatsapp_cloud_payload_lands(path, post_meta, fake_media):
    raw = path.read_bytes()
    assert post_meta(None, raw=raw).status_code == 200
    parsed = parse_whatsapp(json.loads(raw))
    _check_landed(parsed.messages, parsed.statuses)


@pytest.mark.parametrize("path", sorted((FIXTURES / "meta" / "instagram").glob("*.json")), ids=lambda p: p.stem)
def test_every_instagram_payload_lands(path, post_meta, fake_media, httpserver):
    raw = path.read_bytes().replace(b"https://lookaside.fbsbx.com", fake_media.encode())
    payload = json.loads(raw)
    httpserver.expect_request(re.compile(r"^/ig_messaging_cdn.*")).respond_with_data(b"ig", content_type="image/jpeg")
    assert post_meta(None, raw=raw, path="/webhooks/meta/instagram/").status_code == 200
    parsed = parse_instagram(payload)
    _check_landed(parsed.messages, parsed.statuses)


@pytest.mark.parametrize("path", sorted((FIXTURES / "twilio").glob("*.json")), ids=lambda p: p.stem)
def test_every_twilio_payload_lands(path, post_twilio, fake_media):
    params = json.loads(path.read_text())
    params = {k: (v.replace("https://api.twilio.com", fake_media) if k.startswith("MediaUrl") else v)
              for k, v in params.items()}
    is_status = path.stem.startswith("status")
    response = post_twilio(params, path="/webhooks/twilio/status/" if is_status else "/webhooks/twilio/whatsapp/")
    assert response.status_code == 200
    parsed = parse_status(params) if is_status else parse_inbound(params)
    _check_landed(parsed.messages, parsed.statuses)
