"""Bodies Django refuses to read, through the webhooks' own ASGI entry (the path production routes):
a JSON 4xx and a warning, never a 500 with a traceback (security review, issue 18, finding 4)."""

from __future__ import annotations

import json
import logging
from urllib.parse import urlencode

import pytest

from conversations.models import WebhookEvent
from tests.conversations.test_webhook_asgi import call

pytestmark = pytest.mark.django_db(transaction=True)  # the views run in the entry's own threads


@pytest.fixture(autouse=True, scope="module")
def _close_webhook_threads():  # type: ignore[no-untyped-def]
    yield
    from config.asgi import webhook_app

    webhook_app.close()


def assert_json_4xx(status: int, headers: dict[str, str], content: bytes, caplog) -> None:  # type: ignore[no-untyped-def]
    assert 400 <= status < 500, content[:300]
    assert headers["content-type"].startswith("application/json")
    assert json.loads(content)["code"]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not WebhookEvent.objects.exists()


@pytest.mark.parametrize("path", ["/webhooks/twilio/whatsapp/", "/webhooks/twilio/status/"])
def test_too_many_form_fields_get_a_json_400_when_unsigned(path, caplog):
    body = urlencode({f"Field{i}": "x" for i in range(2000)}).encode()
    status, headers, content = call("POST", path, body, headers={
        "Content-Type": "application/x-www-form-urlencoded"})
    assert_json_4xx(status, headers, content, caplog)
    assert status == 400


def test_too_many_query_fields_get_a_json_400_when_meta_handshake(caplog):
    query = urlencode({f"f{i}": "x" for i in range(2000)})
    status, headers, content = call("GET", "/webhooks/meta/whatsapp/", query=query)
    assert_json_4xx(status, headers, content, caplog)


def test_broken_multipart_body_gets_a_json_400_when_unsigned(caplog):
    status, headers, content = call("POST", "/webhooks/twilio/whatsapp/", b"--x\r\nnot a part", headers={
        "Content-Type": "multipart/form-data; boundary=x"})
    assert_json_4xx(status, headers, content, caplog)


@pytest.mark.parametrize("length", ["999999999", "abc"])
def test_lying_content_length_gets_a_json_4xx_when_meta_body(length, caplog):
    status, headers, content = call("POST", "/webhooks/meta/whatsapp/", b"{}", headers={
        "Content-Type": "application/json", "Content-Length": length})
    assert_json_4xx(status, headers, content, caplog)
