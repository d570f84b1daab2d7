"""The sandbox provider on its own: the session token, the page's posts parsed into normalized events, the client."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from integrations.base import DeliveryStatus, MessageType, ParsedWebhook, Provider, event_from_dict, event_to_dict
from integrations.errors import PermanentError, SignatureError
from integrations.sandbox.client import SandboxClient
from integrations.sandbox.webhooks import (
    SandboxInputError,
    SandboxSession,
    TokenExpiredError,
    client_id_of,
    parse_message,
    parse_read_refs,
    session_name,
    session_sign,
    session_verify,
)

KEY = b"k" * 32
NOW = datetime(2026, 5, 4, 15, 30, tzinfo=UTC)
ROSA = SandboxSession(phone="+51987654321", name="Rosa Quispe")


def test_a_signed_session_reads_back_when_the_key_matches():
    token = session_sign(ROSA, key=KEY, now=1_000_000)
    session = session_verify(token, key=KEY, max_age_seconds=3600, now=1_000_100)
    assert (session.phone, session.name, session.issued_at) == ("+51987654321", "Rosa Quispe", 1_000_000)
    assert session.sender_id == "51987654321"  # as WhatsApp's wa_id


@pytest.mark.parametrize("token", [None, "", "abc", "v1.e30", "v1.e30.sig", "v2.x.y", "v1..", 42, "v1." + "a" * 3000])
def test_a_malformed_token_is_a_signature_error(token):
    with pytest.raises(SignatureError):
        session_verify(token, key=KEY, max_age_seconds=3600)


def test_a_token_signed_with_another_key_or_edited_is_refused():
    token = session_sign(ROSA, key=KEY, now=1_000_000)
    with pytest.raises(SignatureError):
        session_verify(token, key=b"other" * 8, max_age_seconds=3600, now=1_000_000)
    version, payload, signature = token.split(".")
    forged = session_sign(SandboxSession(phone="+51900000000"), key=b"attacker", now=1_000_000).split(".")[1]
    with pytest.raises(SignatureError):
        session_verify(f"{version}.{forged}.{signature}", key=KEY, max_age_seconds=3600, now=1_000_000)


def test_an_old_token_expires_and_one_from_the_future_is_refused():
    token = session_sign(ROSA, key=KEY, now=1_000_000)
    with pytest.raises(TokenExpiredError):
        session_verify(token, key=KEY, max_age_seconds=3600, now=1_000_000 + 3601)
    with pytest.raises(SignatureError):
        session_verify(token, key=KEY, max_age_seconds=3600, now=1_000_000 - 3600)


def test_a_line_becomes_the_normalized_inbound_message_of_the_webhooks():
    parsed = parse_message({"text": "  Hola, ¿tienen fibra de 300 megas?\n", "client_id": "c0ffee00c0ffee00"},
                           session=ROSA, account_ref="sandbox", now=NOW)
    assert parsed.statuses == () and len(parsed.messages) == 1
    message = parsed.messages[0]
    assert message.provider == Provider.SANDBOX and message.account_ref == "sandbox"
    assert message.external_id == "sbx-in-c0ffee00c0ffee00" and client_id_of(message.external_id) == "c0ffee00c0ffee00"
    assert (message.sender_id, message.sender_phone, message.sender_name) == ("51987654321", "+51987654321",
                                                                              "Rosa Quispe")
    assert (message.type, message.text, message.timestamp) == (MessageType.TEXT, "Hola, ¿tienen fibra de 300 megas?",
                                                                 NOW)
    assert event_from_dict(event_to_dict(message)) == message  # stored and replayed like any webhook event


@pytest.mark.parametrize(("payload", "code"), [
    ({"text": "", "client_id": "abcdefgh"}, "empty_text"),
    ({"text": "  \n\t ", "client_id": "abcdefgh"}, "empty_text"),
    ({"client_id": "abcdefgh"}, "empty_text"),
    ({"text": "x" * 4097, "client_id": "abcdefgh"}, "text_too_long"),
    ({"text": ["hola"], "client_id": "abcdefgh"}, "malformed_payload"),
    ({"text": "hola"}, "invalid_client_id"),
    ({"text": "hola", "client_id": "short"}, "invalid_client_id"),
    ({"text": "hola", "client_id": "has spaces in it"}, "invalid_client_id"),
    (["hola"], "malformed_payload"),
])
def test_bad_lines_are_refused_with_a_code_and_never_clipped(payload, code):
    with pytest.raises(SandboxInputError) as caught:
        parse_message(payload, session=ROSA, account_ref="sandbox", now=NOW)
    assert caught.value.code == code


def test_the_longest_line_whatsapp_allows_is_kept_whole():
    parsed = parse_message({"text": "a" * 4096, "client_id": "abcdefgh"}, session=ROSA, account_ref="sandbox", now=NOW)
    assert parsed.messages[0].text == "a" * 4096


def test_read_receipts_name_only_ids_of_our_sends():
    ref = "sbx-out-" + "a" * 32
    assert parse_read_refs({"refs": [ref, ref]}) == (ref,)
    for payload in ({"refs": []}, {"refs": "x"}, {"refs": ["sbx-in-abcdefgh"]}, {"refs": [ref] * 101}, {}):
        with pytest.raises(SandboxInputError):
            parse_read_refs(payload)


def test_names_are_one_clean_line_and_not_too_long():
    assert session_name("  Rosa \n Quispe ") == "Rosa Quispe"
    assert session_name(None) == ""
    with pytest.raises(SandboxInputError):
        session_name("x" * 151)
    with pytest.raises(SandboxInputError):
        session_name(123)


def test_the_client_delivers_at_once_and_reports_delivered_through_the_status_callback():
    reports: list[ParsedWebhook] = []
    client = SandboxClient("sandbox", on_status=reports.append)
    result = client.send_text(to="51987654321", body="¡Hola Rosa!")
    assert result.status == DeliveryStatus.SENT and result.external_id.startswith("sbx-out-")
    [report] = reports
    [status] = report.statuses
    assert (status.provider, status.external_id, status.status, status.recipient_id) == (
        Provider.SANDBOX, result.external_id, DeliveryStatus.DELIVERED, "51987654321")
    for send in (lambda: client.send_media(to="51987654321", url="", kind=MessageType.DOCUMENT, filename="q.pdf"),
                 lambda: client.send_template(to="51987654321", template="hello"),
                 lambda: client.send_buttons(to="51987654321", body="¿Sí o no?", buttons=[])):
        assert send().external_id != result.external_id
    assert len(reports) == 4
    with pytest.raises(PermanentError):
        client.send_text(to="", body="hola")
