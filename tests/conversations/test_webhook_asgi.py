"""The webhooks' own ASGI entry (conversations/asgi.py), as the server calls it: signed posts are stored
and answered, every rejection keeps its status, and nothing is acknowledged that was not stored."""

from __future__ import annotations

import asyncio
import json
from typing import Any
from urllib.parse import urlencode

import pytest
from asgiref.sync import async_to_sync
from django.db import OperationalError, connection
from twilio.request_validator import RequestValidator

from config.asgi import application
from conversations.models import Message, WebhookEvent
from tests.conversations.conftest import (
    BASE,
    IG_ACCOUNT,
    TWILIO_TOKEN,
    VERIFY_TOKEN,
    drain,
    meta_signature,
    twilio_params,
    wa_payload,
    wa_text,
)

pytestmark = pytest.mark.django_db(transaction=True)  # the views run in the entry's own threads


@pytest.fixture(autouse=True, scope="module")
def _close_webhook_threads():  # type: ignore[no-untyped-def]
    """The entry's threads keep their database connections; close them so the test database can go."""
    yield
    from config.asgi import webhook_app

    webhook_app.close()


def call(method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None,
         query: str = "", chunk: int = 0) -> tuple[int, dict[str, str], bytes]:
    """One HTTP request through ``config.asgi.application``, as daphne or uvicorn would make it."""
    chunks = [body[i:i + chunk] for i in range(0, len(body), chunk)] if chunk and body else [body]
    messages = [{"type": "http.request", "body": c, "more_body": i < len(chunks) - 1} for i, c in enumerate(chunks)]
    sent: list[dict[str, Any]] = []
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "https",
        "path": path, "raw_path": path.encode(), "query_string": query.encode(), "root_path": "",
        "headers": [(b"host", b"crm.example.com"),
                    *((k.lower().encode(), v.encode()) for k, v in (headers or {}).items())],
        "client": ("127.0.0.1", 5000), "server": ("127.0.0.1", 443),
    }

    async def receive() -> dict[str, Any]:
        if messages:
            return messages.pop(0)
        await asyncio.Event().wait()  # the client stays connected until the answer (cancelled then)
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    async_to_sync(application)(scope, receive, send)
    start = next(m for m in sent if m["type"] == "http.response.start")
    content = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], {k.decode().lower(): v.decode() for k, v in start["headers"]}, content


def meta_post(payload: object | None = None, *, raw: bytes | None = None, signature: str | None = None,
              chunk: int = 0) -> tuple[int, dict[str, str], bytes]:
    body = raw if raw is not None else json.dumps(payload).encode()
    return call("POST", "/webhooks/meta/whatsapp/", body, chunk=chunk, headers={
        "Content-Type": "application/json",
        "X-Hub-Signature-256": signature if signature is not None else meta_signature(body)})


def test_a_signed_meta_delivery_is_stored_and_answered_in_pieces(ai_off):
    status, headers, content = meta_post(wa_payload(wa_text("wamid.ASGI1", "Hola, ¿tienen el A55?")), chunk=50)
    assert (status, json.loads(content)) == (200, {"status": "ok"})
    assert headers["content-type"] == "application/json"
    assert int(headers["content-length"]) == len(content)
    assert WebhookEvent.objects.filter(external_id="wamid.ASGI1").count() == 1
    drain()  # what the inbound worker does with the stored event
    assert Message.objects.get(provider_message_id="wamid.ASGI1").text == "Hola, ¿tienen el A55?"


def test_the_same_delivery_twice_is_one_message(ai_off):
    payload = wa_payload(wa_text("wamid.ASGI2"))
    assert meta_post(payload)[0] == 200 and meta_post(payload)[0] == 200
    drain()
    assert Message.objects.filter(provider_message_id="wamid.ASGI2").count() == 1


def test_a_signed_twilio_delivery_gets_empty_twiml(ai_off):
    params = twilio_params(MessageSid="SM" + "c" * 32)
    path = "/webhooks/twilio/whatsapp/"
    signature = RequestValidator(TWILIO_TOKEN).compute_signature(BASE + path, params)
    status, headers, content = call("POST", path, urlencode(params).encode(), headers={
        "Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature})
    assert status == 200 and b"<Response/>" in content and headers["content-type"].startswith("text/xml")
    drain()
    assert Message.objects.filter(provider_message_id="SM" + "c" * 32).exists()


def test_a_forged_signature_is_403_and_stores_nothing():
    status, _, content = meta_post(wa_payload(wa_text("wamid.FORGED")), signature="sha256=" + "0" * 64)
    assert status == 403 and json.loads(content)["code"] == "invalid_signature"
    assert not WebhookEvent.objects.exists()


@pytest.mark.parametrize("forgery", ["missing", "zeros", "other_secret"])
def test_instagram_post_is_403_and_stores_nothing_when_unsigned_or_wrongly_signed(ai_off, forgery):
    path = "/webhooks/meta/instagram/"
    body = json.dumps({"object": "instagram", "entry": [{"id": IG_ACCOUNT, "time": 1763800000000, "messaging": [
        {"sender": {"id": "IGSID9"}, "recipient": {"id": IG_ACCOUNT}, "timestamp": 1763800000000,
         "message": {"mid": "mid.ASGI.FORGED", "text": "Hola, ¿precio del sofá?"}}]}]}).encode()
    signature = {"missing": "", "zeros": "sha256=" + "0" * 64,
                 "other_secret": meta_signature(body, secret="not-our-app-secret")}[forgery]
    status, _, content = call("POST", path, body, headers={"Content-Type": "application/json",
                                                          "X-Hub-Signature-256": signature})
    assert status == 403 and json.loads(content)["code"] == "invalid_signature"
    drain()
    assert not WebhookEvent.objects.exists() and not Message.objects.exists()
    # the same bytes signed with our secret are taken: only the signature was wrong
    signed = call("POST", path, body, headers={"Content-Type": "application/json",
                                               "X-Hub-Signature-256": meta_signature(body)})
    assert signed[0] == 200
    drain()
    assert Message.objects.get().provider_message_id == "mid.ASGI.FORGED"


def test_a_malformed_body_is_400_json():
    status, _, content = meta_post(raw=b"{not json")
    assert status == 400 and json.loads(content)["code"] == "malformed_payload"
    assert not WebhookEvent.objects.exists()


def test_a_body_over_the_limit_is_413_and_stores_nothing(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    status, _, content = meta_post(raw=b"x" * 5000, chunk=1000)
    assert status == 413 and json.loads(content)["code"] == "too_large"
    assert not WebhookEvent.objects.exists()


def test_an_unknown_webhook_path_is_404():
    status, _, content = call("POST", "/webhooks/unknown/", b"{}")
    assert status == 404 and json.loads(content)["code"] == "not_found"


def test_the_wrong_method_is_405():
    assert call("PUT", "/webhooks/meta/whatsapp/", b"{}")[0] == 405


def test_meta_handshake_answers_the_challenge():
    query = urlencode({"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1158201444"})
    status, _, content = call("GET", "/webhooks/meta/whatsapp/", query=query)
    assert (status, content) == (200, b"1158201444")
    bad = urlencode({"hub.mode": "subscribe", "hub.verify_token": "wrong", "hub.challenge": "1"})
    assert call("GET", "/webhooks/meta/whatsapp/", query=bad)[0] == 403


def test_a_database_outage_answers_5xx_and_the_next_delivery_is_stored(ai_off):
    table = WebhookEvent._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {table} RENAME TO {table}_away")
    try:
        status, _, content = meta_post(wa_payload(wa_text("wamid.OUTAGE")))
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"ALTER TABLE {table}_away RENAME TO {table}")
    # A missing table is a ProgrammingError on PostgreSQL (500) and an OperationalError on SQLite, which the
    # entry answers as the database being unavailable (503): a 5xx either way, so the provider delivers again.
    assert (status, json.loads(content)["code"]) in ((500, "server_error"), (503, "database_unavailable"))
    # The provider delivers again: the same worker threads recover their connections and store it.
    assert meta_post(wa_payload(wa_text("wamid.OUTAGE")))[0] == 200
    assert WebhookEvent.objects.filter(external_id="wamid.OUTAGE").count() == 1


def test_an_unreachable_database_answers_503_with_retry_after_and_no_traceback_when_postgresql_is_down(
    ai_off, monkeypatch, caplog
):
    def refused(**_kwargs: Any) -> None:
        raise OperationalError('connection failed: connection to server at "127.0.0.1", port 5432 failed: '
                               "Connection refused\n\tIs the server running on that host?")

    monkeypatch.setattr("conversations.views.webhook_ingest", refused)
    status, headers, content = meta_post(wa_payload(wa_text("wamid.PGDOWN")))
    assert status == 503 and json.loads(content)["code"] == "database_unavailable"
    assert headers["retry-after"] == "5"  # an outage: the provider delivers it again
    record = next(r for r in caplog.records if "database unavailable" in r.getMessage())
    assert record.levelname == "WARNING" and record.exc_info is None  # one line, not a traceback per request
    monkeypatch.undo()
    assert meta_post(wa_payload(wa_text("wamid.PGDOWN")))[0] == 200  # PostgreSQL back: stored
    assert WebhookEvent.objects.filter(external_id="wamid.PGDOWN").count() == 1


def test_other_paths_still_take_the_django_stack():
    status, headers, _ = call("GET", "/accounts/login/")
    assert status == 200 and "csrftoken" in headers.get("set-cookie", "")
