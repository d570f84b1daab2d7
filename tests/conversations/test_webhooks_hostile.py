"""Hostile webhook bodies from the security review (issue 18), through the real views.

Each one is answered at once with 200 or a JSON 4xx, never a 5xx that the provider would retry for
days, and nothing a customer validly sent is lost: the raw event keeps it all.
"""

from __future__ import annotations

import json
import signal
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from urllib.parse import urlencode

import pytest
from django.db import models

from conversations.models import ChannelAccount, Conversation, Message, WebhookEvent
from leads.models import Contact
from tests.conversations.conftest import IG_ACCOUNT, drain, now_ts, twilio_params, wa_payload, wa_text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("ai_off")]


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Fail instead of hanging the run when the block takes longer than ``seconds`` (main thread only)."""

    def _expire(signum, frame):  # type: ignore[no-untyped-def]
        raise TimeoutError(f"took more than {seconds} s")

    previous = signal.signal(signal.SIGALRM, _expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def ig_payload(*events: dict) -> dict:
    return {"object": "instagram", "entry": [{"id": IG_ACCOUNT, "time": 1767600000000, "messaging": list(events)}]}


def ig_text(mid: str, text: str, sender: str = "6543210987654321") -> dict:
    return {"sender": {"id": sender}, "recipient": {"id": IG_ACCOUNT}, "timestamp": 1767600000000,
            "message": {"mid": mid, "text": text}}


def assert_json_error(response, status: int) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["code"]


# ---------------------------------------------------------------------------------------------
# Finding 1: NumMedia
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("num_media", ["99999999999", "9" * 5000, "-4", "1e3", "0x10", "nan", "٣", " 2 "])
def test_absurd_num_media_is_answered_at_once_when_twilio_webhook_is_signed(post_twilio, num_media):
    params = twilio_params(NumMedia=num_media, MediaUrl0="https://api.twilio.com/2010-04-01/Accounts/AC1/Media/ME1",
                           MediaContentType0="image/jpeg", MediaUrl1="https://api.twilio.com/x/Media/ME2",
                           MediaContentType1="image/png")
    with time_limit(5):
        response = post_twilio(params)
    assert response.status_code == 200
    event = WebhookEvent.objects.get()
    assert len(event.normalized["media"]) <= 2
    assert event.payload["NumMedia"] == num_media  # the raw event is kept as it came


def test_at_most_ten_media_are_read_when_twilio_says_more(post_twilio):
    params = twilio_params(NumMedia="25", Body="")
    for index in range(25):
        params[f"MediaUrl{index}"] = f"https://api.twilio.com/2010-04-01/Accounts/AC1/Media/ME{index}"
        params[f"MediaContentType{index}"] = "image/jpeg"
    assert post_twilio(params).status_code == 200
    assert len(WebhookEvent.objects.get().normalized["media"]) == 10


# ---------------------------------------------------------------------------------------------
# Finding 2: very long texts
# ---------------------------------------------------------------------------------------------
def test_long_whatsapp_text_is_stored_capped_when_customer_sends_100k_characters(post_meta):
    text = "Hola quiero un plan " + "a" * 100_000
    response = post_meta(wa_payload(wa_text("wamid.LONG1", text)))
    assert response.status_code == 200
    drain()
    message = Message.objects.get()
    assert len(message.text) <= 4096
    assert message.text.startswith("Hola quiero un plan aaa")
    assert WebhookEvent.objects.get().payload["text"]["body"] == text  # the full text stays in the raw event


def test_long_instagram_text_is_stored_capped_when_customer_sends_100k_characters(post_meta):
    text = "Hola " + "b" * 100_000
    response = post_meta(ig_payload(ig_text("mid.LONG1", text)), path="/webhooks/meta/instagram/")
    assert response.status_code == 200
    drain()
    message = Message.objects.get()
    assert len(message.text) <= 1000
    assert message.text.startswith("Hola bbb")
    assert WebhookEvent.objects.get().payload["message"]["text"] == text


def test_long_twilio_body_is_stored_capped_when_customer_sends_100k_characters(post_twilio):
    body = "Hola " + "c" * 100_000
    assert post_twilio(twilio_params(Body=body)).status_code == 200
    drain()
    assert len(Message.objects.get().text) <= 4096
    assert WebhookEvent.objects.get().payload["Body"] == body


# ---------------------------------------------------------------------------------------------
# Finding 3: lone surrogates, non-finite numbers, deep nesting
# ---------------------------------------------------------------------------------------------
def test_lone_surrogates_are_replaced_and_message_kept_when_meta_json_has_them(post_meta):
    raw = json.dumps(wa_payload(wa_text("wamid.SURR1", "hola XSURRX amigo"), name="Ana XSURRX")).replace(
        "XSURRX", "\\ud800").encode()
    response = post_meta(None, raw=raw)
    assert response.status_code == 200
    drain()
    message = Message.objects.get()
    assert message.text == "hola \ufffd amigo"
    assert Contact.objects.get().name == "Ana \ufffd"


def test_lone_surrogate_in_an_id_is_accepted_when_meta_json_has_it(post_meta):
    raw = json.dumps(wa_payload(wa_text("wamid.XSURRX", "hola"))).replace("XSURRX", "\\udfff").encode()
    assert post_meta(None, raw=raw).status_code == 200
    drain()
    assert Message.objects.get().provider_message_id == "wamid.\ufffd"


def test_lone_surrogate_in_an_unknown_instagram_event_is_kept_as_ignored(post_meta):
    event = {"sender": {"id": "1"}, "recipient": {"id": IG_ACCOUNT}, "timestamp": 1767600000000, "XSURRX": {}}
    raw = json.dumps(ig_payload(event)).replace("XSURRX", "\\ud83d").encode()
    response = post_meta(None, raw=raw, path="/webhooks/meta/instagram/")
    assert response.status_code == 200
    assert WebhookEvent.objects.get().state == WebhookEvent.State.IGNORED


def test_nul_characters_never_reach_the_database_when_twilio_body_has_them(post_twilio):
    assert post_twilio(twilio_params(Body="hola\x00mundo", ProfileName="Ro\x00sa")).status_code == 200
    drain()
    assert "\x00" not in Message.objects.get().text
    assert "\x00" not in Contact.objects.get().name
    assert "\x00" not in json.dumps(WebhookEvent.objects.get().payload)


@pytest.mark.parametrize(("latitude", "longitude"), [("nan", "-77.03"), ("1e308", "-77.03"), ("-12.04", "inf"),
                                                     ("1e400", "1"), ("95", "10"), ("-12.04", "-190")])
def test_impossible_twilio_coordinates_are_not_a_location_when_signed(post_twilio, latitude, longitude):
    response = post_twilio(twilio_params(Body="aquí estoy", Latitude=latitude, Longitude=longitude))
    assert response.status_code == 200
    drain()
    message = Message.objects.get()
    assert message.location == {}
    assert message.text == "aquí estoy"
    assert WebhookEvent.objects.get().payload["Latitude"] == latitude


def test_overflowing_meta_coordinates_are_kept_as_unsupported_when_signed(post_meta):
    location = {"from": "51987654321", "id": "wamid.LOC1", "timestamp": now_ts(), "type": "location",
                "location": {"latitude": 1, "longitude": 2, "name": "Casa"}}
    raw = json.dumps(wa_payload(location)).replace('"latitude": 1', '"latitude": 1e400').encode()
    response = post_meta(None, raw=raw)
    assert response.status_code == 200
    drain()
    message = Message.objects.get()
    assert message.type == "unsupported"
    assert message.location == {}


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_non_json_number_literals_are_a_json_400_when_meta_body_has_them(post_meta, literal):
    raw = json.dumps(wa_payload(wa_text("wamid.NAN1"))).replace('"Hola"', literal).encode()
    response = post_meta(None, raw=raw)
    assert_json_error(response, 400)
    assert not WebhookEvent.objects.exists()


def _nested(depth: int) -> dict:
    value: dict = {"leaf": "x"}
    for _ in range(depth):
        value = {"a": value}
    return value


@pytest.mark.parametrize("depth", [900, 5000])
def test_deeply_nested_referral_never_gives_a_500_when_meta_body_is_signed(post_meta, depth):
    message = {**wa_text("wamid.DEEP1", "vi su anuncio"), "referral": _nested(depth)}
    raw = json.dumps(wa_payload(message)).encode() if depth < 900 else _deep_json(message, depth)
    response = post_meta(None, raw=raw)
    assert response.status_code in (200, 400), response.content[:200]
    if response.status_code == 400:
        assert_json_error(response, 400)
        return
    drain()
    assert Message.objects.get().text == "vi su anuncio"


def _deep_json(message: dict, depth: int) -> bytes:
    """``json.dumps`` itself cannot write this deep: build the text by hand."""
    shallow = dict(message, referral="DEEP")
    deep = '{"a":' * depth + '{"leaf":"x"}' + "}" * depth
    return json.dumps(wa_payload(shallow)).replace('"DEEP"', deep).encode()


@pytest.mark.parametrize("depth", [100, 900])
def test_deeply_nested_instagram_referral_never_gives_a_500_when_signed(post_meta, depth):
    event = ig_text("mid.DEEP1", "hola")
    event["message"]["referral"] = "DEEP"
    raw = json.dumps(ig_payload(event)).replace('"DEEP"', '{"a":' * depth + "{}" + "}" * depth).encode()
    response = post_meta(None, raw=raw, path="/webhooks/meta/instagram/")
    if depth == 900 and response.status_code == 400:  # deeper than Python's JSON decoder goes here
        assert_json_error(response, 400)
        return
    assert response.status_code == 200
    drain()
    assert Message.objects.get().text == "hola"
    assert "nested too deeply" in json.dumps(WebhookEvent.objects.get().payload)


# ---------------------------------------------------------------------------------------------
# Finding 4: bodies Django refuses to read (Django's view path; the ASGI entry is in its own file)
# ---------------------------------------------------------------------------------------------
def test_too_many_form_fields_get_a_json_400_when_unsigned(client, caplog):
    body = urlencode({f"Field{i}": "x" for i in range(2000)})
    response = client.post("/webhooks/twilio/whatsapp/", data=body, secure=True,
                           content_type="application/x-www-form-urlencoded")
    assert_json_error(response, 400)
    assert not [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")]
    assert not WebhookEvent.objects.exists()


def test_broken_multipart_body_gets_a_json_400_when_unsigned(client):
    response = client.post("/webhooks/twilio/status/", data=b"--x\r\nnot a part", secure=True,
                           content_type="multipart/form-data; boundary=x")
    assert response.status_code in (400, 403)
    assert response["Content-Type"].startswith("application/json")


def test_too_large_meta_body_gets_a_json_error_when_unsigned(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = client.post("/webhooks/meta/whatsapp/", data=b"{" + b" " * 5000 + b"}", secure=True,
                           content_type="application/json")
    assert response.status_code in (400, 413)
    assert response["Content-Type"].startswith("application/json")


# ---------------------------------------------------------------------------------------------
# Finding 6: every normalised field fits its column (PostgreSQL refuses what SQLite keeps)
# ---------------------------------------------------------------------------------------------
def drain_without_media() -> None:
    """Process every stored event; media downloads fail here (no provider), after the message is stored."""
    from conversations.services.inbound import webhook_event_process
    from integrations.errors import ProviderError

    for event_id in WebhookEvent.objects.order_by("pk").values_list("pk", flat=True):
        with suppress(ProviderError):
            webhook_event_process(event_id=event_id)


def _overlong_values() -> list[tuple[str, str, int, str]]:
    """(model, field, max_length, value) of every CharField stored, for the test's assertion."""
    found = []
    for model in (WebhookEvent, Message, Contact, ChannelAccount, Conversation):
        for field in model._meta.get_fields():
            if isinstance(field, models.CharField) and field.max_length:
                for value in model.objects.values_list(field.attname, flat=True):
                    if value and len(value) > field.max_length:
                        found.append((model.__name__, field.name, field.max_length, value[:40]))
    return found


def test_every_field_fits_its_column_when_twilio_fields_are_huge(post_twilio):
    long_sid = "SM" + "1" * 500
    params = twilio_params(MessageSid=long_sid, ProfileName="R" * 1000, WaId="5" * 300, Body="hola",
                           ButtonPayload="p" * 1000, OriginalRepliedMessageSid="SM" + "2" * 500)
    assert post_twilio(params).status_code == 200
    assert post_twilio(params).status_code == 200  # a redelivery is still found as a duplicate
    params = twilio_params(MessageSid="SM" + "3" * 400, NumMedia="1", MediaUrl0="https://api.twilio.com/" + "m" * 3000,
                           MediaContentType0="image/" + "j" * 500, Body="")
    assert post_twilio(params).status_code == 200
    status = {"MessageSid": "SM" + "4" * 400, "MessageStatus": "failed", "ErrorCode": "9" * 100,
              "From": "whatsapp:+14155238886", "To": "whatsapp:+51987654321"}
    assert post_twilio(status, path="/webhooks/twilio/status/").status_code == 200
    drain_without_media()
    assert WebhookEvent.objects.count() == 3
    assert Message.objects.count() == 2
    assert _overlong_values() == []


def test_every_field_fits_its_column_when_meta_fields_are_huge(post_meta):
    first = wa_text("wamid." + "A" * 500, "hola", sender="5" * 300)
    reply = {**wa_text("wamid." + "B" * 500, "respuesta", sender="5" * 300),
             "context": {"from": "5" * 300, "id": "wamid." + "A" * 500}}
    document = {"from": "5" * 300, "id": "wamid.DOC", "timestamp": now_ts(), "type": "document",
                "document": {"id": "1" * 300, "mime_type": "application/" + "p" * 500, "filename": "f" * 1000 + ".pdf",
                             "caption": "c" * 10_000}}
    button = {"from": "5" * 300, "id": "wamid.BTN", "timestamp": now_ts(), "type": "interactive",
              "interactive": {"type": "button_reply", "button_reply": {"id": "i" * 1000, "title": "t" * 1000}}}
    payload = wa_payload(first, reply, document, button, name="N" * 1000, wa_id="5" * 300)
    payload["entry"][0]["changes"][0]["value"]["metadata"]["phone_number_id"] = "7" * 300
    payload["entry"][0]["changes"][0]["value"]["statuses"] = [
        {"id": "wamid." + "S" * 500, "status": "failed", "timestamp": now_ts(), "recipient_id": "5" * 300,
         "errors": [{"code": 10 ** 40, "title": "x" * 5000}]}]
    assert post_meta(payload).status_code == 200
    ig = ig_text("mid." + "M" * 500, "hola", sender="6" * 300)
    reaction = {"sender": {"id": "6" * 300}, "recipient": {"id": IG_ACCOUNT}, "timestamp": 1767600000001,
                "reaction": {"mid": "mid." + "M" * 500, "action": "react", "emoji": "❤" * 1000}}
    postback = {"sender": {"id": "6" * 300}, "recipient": {"id": IG_ACCOUNT}, "timestamp": 1767600000002,
                "postback": {"title": "t" * 5000, "payload": "p" * 5000}}
    assert post_meta(ig_payload(ig, reaction, postback), path="/webhooks/meta/instagram/").status_code == 200
    drain_without_media()
    assert Message.objects.count() == 7
    assert _overlong_values() == []
    reply_message = Message.objects.get(text="respuesta")
    assert reply_message.reply_to is not None and reply_message.reply_to.text == "hola"
    assert Message.objects.get(type="reaction").reply_to.text == "hola"


# ---------------------------------------------------------------------------------------------
# Finding 5: media only from the provider, only accepted types (the clients are tested in
# tests/integrations/test_media_hosts.py)
# ---------------------------------------------------------------------------------------------
@pytest.fixture
def fake_provider(httpserver, settings):  # type: ignore[no-untyped-def]
    base = httpserver.url_for("").rstrip("/")
    settings.TWILIO_API_BASE_URL = base
    settings.META_GRAPH_BASE_URL = base
    return httpserver


def test_html_attachment_is_kept_as_unsupported_without_bytes_when_customer_sends_it(post_twilio, fake_provider):
    fake_provider.expect_request("/Media/ME9").respond_with_data(b"<html><script>steal()</script>",
                                                                 content_type="text/html")
    post_twilio(twilio_params(NumMedia="1", MediaUrl0=fake_provider.url_for("/Media/ME9"),
                              MediaContentType0="text/html", Body="mira", MessageType="document"))
    drain()
    message = Message.objects.get()
    assert message.media_state == "unsupported"
    assert not message.media
    assert message.error_code == "unsupported_media"
    assert "text/html" in message.error_message
    assert message.text == "mira"
    assert WebhookEvent.objects.get().state == WebhookEvent.State.PROCESSED


def test_media_url_on_a_foreign_host_is_never_fetched_and_the_message_kept(post_twilio, fake_provider):
    foreign = fake_provider.url_for("/Media/ME9").replace("localhost", "127.0.0.1")
    post_twilio(twilio_params(NumMedia="1", MediaUrl0=foreign, MediaContentType0="image/jpeg", MessageType="image"))
    drain()
    message = Message.objects.get()
    assert message.media_state == "failed"
    assert message.error_code == "media_host_refused"
    assert fake_provider.log == []


def test_stored_file_takes_its_extension_from_its_accepted_type_when_named_otherwise(post_meta, fake_provider):
    fake_provider.expect_request("/555").respond_with_json(
        {"url": fake_provider.url_for("/file/555"), "mime_type": "application/pdf", "id": "555"})
    fake_provider.expect_request("/file/555").respond_with_data(b"%PDF-1.7", content_type="application/pdf")
    document = {"from": "51987654321", "id": "wamid.PDF1", "timestamp": now_ts(), "type": "document",
                "document": {"id": "555", "mime_type": "application/pdf", "filename": "../../factura.html"}}
    post_meta(wa_payload(document))
    drain()
    message = Message.objects.get()
    assert message.media_state == "stored"
    name = message.media.name.rsplit("/", 1)[-1]
    assert name.startswith("factura") and name.endswith(".pdf")
