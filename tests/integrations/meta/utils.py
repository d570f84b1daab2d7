"""Fixture helpers: webhook bodies are read as raw bytes and signed for real, as Meta would."""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path
from typing import Any

from integrations.base import ParsedWebhook
from integrations.meta.webhooks import load_payload, parse_instagram, parse_whatsapp, verify_signature

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "meta"
APP_SECRET = "test-app-secret-7f3a"


def read_fixture(channel: str, name: str) -> bytes:
    return (FIXTURES / channel / f"{name}.json").read_bytes()


def sign(body: bytes, secret: str = APP_SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def replay(channel: str, name: str) -> ParsedWebhook:
    """What a view does: check the signature over the raw body, load, parse."""
    body = read_fixture(channel, name)
    assert verify_signature(body=body, header=sign(body), app_secret=APP_SECRET)
    payload = load_payload(body)
    return parse_whatsapp(payload) if channel == "whatsapp" else parse_instagram(payload)


def fixture_json(channel: str, name: str) -> dict[str, Any]:
    return json.loads(read_fixture(channel, name))
