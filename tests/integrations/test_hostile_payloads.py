"""The parsers and their helpers against hostile input (security review, issue 18): bounded work,
storable strings, fields that fit their columns."""

from __future__ import annotations

import json
import time

import pytest
from django.db import models

from conversations.models import ChannelAccount, Message, WebhookEvent
from integrations import limits
from integrations.errors import PayloadError
from integrations.meta.webhooks import load_payload, parse_instagram, parse_whatsapp
from integrations.sanitize import TOO_DEEP, clean_json, clean_text, clip, fit_id
from integrations.twilio.webhooks import parse_inbound, parse_status
from leads.models import Contact

FORM = {"MessageSid": "SM" + "a" * 32, "From": "whatsapp:+51987654321", "To": "whatsapp:+14155238886",
        "Body": "hola"}


def _max_length(model: type[models.Model], field: str) -> int:
    return model._meta.get_field(field).max_length  # type: ignore[return-value]


def test_limits_match_the_columns_they_protect_when_models_change():
    assert limits.ID_CHARS == _max_length(Message, "provider_message_id") == _max_length(Message, "interactive_id")
    assert limits.ID_CHARS == _max_length(Message, "reply_to_external_id") == _max_length(WebhookEvent, "external_id")
    assert limits.CHANNEL_ID_CHARS == _max_length(Contact, "whatsapp_id") == _max_length(Contact, "instagram_id")
    assert _max_length(ChannelAccount, "account_ref") == limits.CHANNEL_ID_CHARS
    assert _max_length(Contact, "name") == limits.NAME_CHARS
    assert _max_length(Contact, "instagram_username") == limits.USERNAME_CHARS
    assert _max_length(Contact, "phone") == limits.PHONE_CHARS
    assert _max_length(Message, "media_mime") == limits.MIME_CHARS
    assert _max_length(Message, "error_code") == limits.ERROR_CODE_CHARS


def test_twilio_reads_ten_media_at_most_when_num_media_is_absurd():
    form = {**FORM, "NumMedia": "99999999999"}
    form.update({f"MediaUrl{i}": f"https://api.twilio.com/Media/ME{i}" for i in range(12)})
    (message,) = parse_inbound(form).messages
    assert len(message.media) == 10


@pytest.mark.parametrize("value", ["-1", "1e3", "0x2", "٣", "nan", "", "9" * 5000])
def test_twilio_reads_no_media_when_num_media_is_not_a_count(value):
    form = {**FORM, "NumMedia": value, "MediaUrl0": "https://api.twilio.com/Media/ME0"}
    (message,) = parse_inbound(form).messages
    assert len(message.media) == (1 if value == "9" * 5000 else 0)


@pytest.mark.parametrize(("lat", "lng"), [("nan", "1"), ("1", "-inf"), ("1e308", "1"), ("91", "0"), ("0", "180.5")])
def test_twilio_location_is_dropped_when_coordinates_are_impossible(lat, lng):
    (message,) = parse_inbound({**FORM, "Latitude": lat, "Longitude": lng}).messages
    assert message.location is None
    assert message.type == "text"


def test_twilio_fields_are_cleaned_and_fitted_when_hostile():
    form = {**FORM, "MessageSid": "SM" + "x" * 400, "Body": "a\x00b" + "c" * 10_000, "ProfileName": "\ud800" * 500}
    (message,) = parse_inbound(form).messages
    assert len(message.external_id) == 200 and message.external_id == parse_inbound(form).messages[0].external_id
    assert message.text.startswith("a\ufffdb") and len(message.text) == 4096 and message.text.endswith("…")
    assert message.sender_name == "\ufffd" * 149 + "…"
    assert message.raw["Body"] == "a\ufffdb" + "c" * 10_000  # the raw form is cleaned, never cut


def test_twilio_status_error_code_fits_when_too_long():
    form = {"MessageSid": "SM" + "1" * 400, "MessageStatus": "failed", "ErrorCode": "6" * 100}
    (update,) = parse_status(form).statuses
    assert len(update.error_code) <= 20 and len(update.external_id) <= 200


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_meta_body_with_non_json_numbers_is_a_payload_error(literal):
    with pytest.raises(PayloadError):
        load_payload(b'{"object":"instagram","entry":[],"x":' + literal.encode() + b"}")


def test_meta_body_is_storable_when_it_has_surrogates_overflow_and_depth():
    deep = '{"a":' * 200 + "1" + "}" * 200
    body = ('{"object":"instagram","entry":[],"s":"\\ud800x\\u0000","\\udfff":1e400,"d":' + deep + "}").encode()
    payload = load_payload(body)
    assert payload["s"] == "\ufffdx\ufffd"
    assert payload["\ufffd"] == "1e400"
    assert TOO_DEEP in json.dumps(payload)
    json.dumps(payload, allow_nan=False).encode("utf-8")  # storable: valid JSON, valid UTF-8


def test_whatsapp_location_is_unsupported_when_coordinates_overflow():
    message = {"from": "51987654321", "id": "wamid.1", "timestamp": "1767600000", "type": "location",
               "location": {"latitude": "1e400", "longitude": 2}}
    payload = {"object": "whatsapp_business_account", "entry": [{"id": "W", "changes": [{"field": "messages", "value": {
        "metadata": {"phone_number_id": "1"}, "messages": [message]}}]}]}
    (parsed,) = parse_whatsapp(payload).messages
    assert parsed.type == "unsupported" and parsed.location is None


def test_whatsapp_contacts_summary_is_bounded_when_a_card_has_thousands_of_phones():
    cards = [{"name": {"formatted_name": "Ana"}, "phones": [{"phone": "+51987654321"}] * 1000}] * 100
    message = {"from": "51987654321", "id": "wamid.2", "timestamp": "1767600000", "type": "contacts",
               "contacts": cards}
    payload = {"object": "whatsapp_business_account", "entry": [{"id": "W", "changes": [{"field": "messages", "value": {
        "metadata": {"phone_number_id": "1"}, "messages": [message]}}]}]}
    started = time.perf_counter()
    (parsed,) = parse_whatsapp(payload).messages
    assert time.perf_counter() - started < 3  # each of the 100,000 phone numbers was parsed before (~30 s)
    assert parsed.text.startswith("Ana: +51987654321, +51987654321")
    assert len(parsed.text) <= 4096


def test_instagram_typed_text_is_capped_at_1000_when_longer():
    payload = {"object": "instagram", "entry": [{"id": "17841400000000001", "messaging": [
        {"sender": {"id": "1"}, "recipient": {"id": "17841400000000001"}, "timestamp": 1767600000000,
         "message": {"mid": "m1", "text": "x" * 5000}}]}]}
    (message,) = parse_instagram(payload).messages
    assert len(message.text) == 1000


def test_sanitize_helpers_keep_what_is_valid():
    assert clean_text("¡Hola 😀!") == "¡Hola 😀!"
    assert clean_json({"a": [1, 2.5, True, None, "ñ"]}) == {"a": [1, 2.5, True, None, "ñ"]}
    assert clip("abc", 3) == "abc" and clip("abcd", 3) == "ab…"
    assert fit_id("short", 10) == "short"
    assert fit_id("x" * 300, 64) == fit_id("x" * 300, 64) != fit_id("x" * 299 + "y", 64)
    assert len(fit_id("x" * 300, 64)) == 64


def test_whatsapp_location_link_is_dropped_when_it_is_not_http():
    message = {"from": "51987654321", "id": "wamid.3", "timestamp": "1767600000", "type": "location",
               "location": {"latitude": -12.04, "longitude": -77.03, "name": "Tienda", "url": "javascript:alert(1)"}}
    payload = {"object": "whatsapp_business_account", "entry": [{"id": "W", "changes": [{"field": "messages", "value": {
        "metadata": {"phone_number_id": "1"}, "messages": [message]}}]}]}
    (parsed,) = parse_whatsapp(payload).messages
    assert parsed.location is not None and parsed.location.url == "" and parsed.location.name == "Tienda"
