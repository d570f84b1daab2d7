"""Signature, verification handshake and body loading, shared by WhatsApp and Instagram."""

from __future__ import annotations

import json

import pytest

from integrations.errors import PayloadError
from integrations.meta.webhooks import load_payload, verify_handshake, verify_signature
from tests.integrations.meta.utils import APP_SECRET, read_fixture, sign

ALL_FIXTURES = [
    ("whatsapp", "text"),
    ("whatsapp", "batch"),
    ("whatsapp", "status_failed_131047"),
    ("instagram", "text"),
    ("instagram", "reaction"),
]


@pytest.mark.parametrize(("channel", "name"), ALL_FIXTURES)
def test_signature_is_accepted_when_computed_over_the_raw_body(channel, name):
    body = read_fixture(channel, name)
    assert verify_signature(body=body, header=sign(body), app_secret=APP_SECRET)


def test_signature_accepts_uppercase_hex_when_header_differs_only_in_case():
    body = read_fixture("whatsapp", "text")
    assert verify_signature(body=body, header=sign(body).upper().replace("SHA256=", "sha256="), app_secret=APP_SECRET)


def test_signature_is_rejected_when_body_was_reserialised():
    # Meta escapes non-ASCII as \uXXXX; json.dumps round trips change the bytes, so only the raw body verifies.
    body = read_fixture("whatsapp", "text")
    reserialised = json.dumps(json.loads(body), ensure_ascii=False).encode()
    assert reserialised != body
    assert not verify_signature(body=reserialised, header=sign(body), app_secret=APP_SECRET)


def test_signature_is_rejected_when_body_was_tampered():
    body = read_fixture("whatsapp", "text")
    header = sign(body)
    assert not verify_signature(body=body.replace(b"Arequipa", b"Cusco"), header=header, app_secret=APP_SECRET)


def test_signature_is_rejected_when_signed_with_another_secret():
    body = read_fixture("instagram", "text")
    assert not verify_signature(body=body, header=sign(body, "someone-else"), app_secret=APP_SECRET)


@pytest.mark.parametrize(
    "header",
    [
        "",
        None,
        "sha256=",
        "sha256",
        "sha256=nothex" + "0" * 57,
        "sha256=" + "0" * 63,
        "md5=" + "0" * 64,
        "sha256=" + "é" * 64,
    ],
)
def test_signature_is_rejected_when_header_is_missing_or_malformed(header):
    assert not verify_signature(body=b"{}", header=header, app_secret=APP_SECRET)


def test_signature_is_rejected_when_header_uses_sha1():
    import hashlib
    import hmac

    body = read_fixture("whatsapp", "text")
    sha1 = "sha1=" + hmac.new(APP_SECRET.encode(), body, hashlib.sha1).hexdigest()
    assert not verify_signature(body=body, header=sha1, app_secret=APP_SECRET)


def test_signature_is_rejected_when_app_secret_is_empty():
    body = read_fixture("whatsapp", "text")
    assert not verify_signature(body=body, header=sign(body, ""), app_secret="")


def test_handshake_returns_challenge_when_token_matches():
    params = {"hub.mode": "subscribe", "hub.challenge": "1158201444", "hub.verify_token": "vendemos-mas"}
    assert verify_handshake(params=params, verify_token="vendemos-mas") == "1158201444"


@pytest.mark.parametrize(
    ("params", "configured"),
    [
        ({"hub.mode": "subscribe", "hub.challenge": "1158201444", "hub.verify_token": "wrong"}, "vendemos-mas"),
        (
            {"hub.mode": "unsubscribe", "hub.challenge": "1158201444", "hub.verify_token": "vendemos-mas"},
            "vendemos-mas",
        ),
        ({"hub.challenge": "1158201444", "hub.verify_token": "vendemos-mas"}, "vendemos-mas"),
        ({"hub.mode": "subscribe", "hub.challenge": "1158201444"}, "vendemos-mas"),
        ({"hub.mode": "subscribe", "hub.verify_token": "vendemos-mas"}, "vendemos-mas"),
        ({"hub.mode": "subscribe", "hub.challenge": "1158201444", "hub.verify_token": ""}, ""),
    ],
)
def test_handshake_returns_none_when_token_mode_or_challenge_is_wrong(params, configured):
    assert verify_handshake(params=params, verify_token=configured) is None


def test_handshake_works_when_params_are_a_django_querydict():
    from django.http import QueryDict

    params = QueryDict("hub.mode=subscribe&hub.challenge=CHALLENGE_ACCEPTED&hub.verify_token=vendemos-mas")
    assert verify_handshake(params=params, verify_token="vendemos-mas") == "CHALLENGE_ACCEPTED"


def test_load_payload_returns_the_object_when_body_is_a_meta_webhook():
    payload = load_payload(read_fixture("instagram", "text"))
    assert payload["object"] == "instagram"
    assert isinstance(payload["entry"], list)


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b"\xff\xfe\x00garbage",
        b"[]",
        b'"text"',
        b'{"entry": []}',
        b'{"object": "page", "entry": []}',
        b'{"object": "whatsapp_business_account"}',
        b'{"object": "whatsapp_business_account", "entry": {}}',
        b"[" * 100_000,
    ],
)
def test_load_payload_raises_payload_error_when_body_is_malformed(body):
    with pytest.raises(PayloadError):
        load_payload(body)


def test_load_payload_raises_payload_error_when_object_is_not_the_expected_channel():
    with pytest.raises(PayloadError):
        load_payload(read_fixture("instagram", "text"), expected_object="whatsapp_business_account")
