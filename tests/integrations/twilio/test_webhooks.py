"""Twilio webhooks replayed from JSON fixtures (realistic WhatsApp captures), signed for real."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlencode

import pytest
import time_machine
from django.http import QueryDict
from twilio.request_validator import RequestValidator

from integrations import base
from integrations.base import DeliveryStatus, InboundMessage, Location, MediaRef, MessageType, Provider, StatusUpdate
from integrations.errors import PayloadError
from integrations.twilio.webhooks import empty_twiml, parse_inbound, parse_status, verify_signature

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "twilio"
AUTH_TOKEN = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
INBOUND_URL = "https://crm.example.pe/webhooks/twilio/whatsapp/"
STATUS_URL = "https://crm.example.pe/webhooks/twilio/status/?channel=lima"
RECEIVED_AT = datetime(2025, 6, 2, 15, 30, tzinfo=UTC)
ACCOUNT_SID = "ACe268443e43d93dab7ebef303bbe9642f"
OUR_NUMBER = "+51940111222"
CUSTOMER = "+51987654321"

ALL_FIXTURES = sorted(path.stem for path in FIXTURES.glob("*.json"))
INBOUND_FIXTURES = [name for name in ALL_FIXTURES if name.startswith("inbound_")]
STATUS_FIXTURES = [name for name in ALL_FIXTURES if name.startswith("status_")]


def load(name: str) -> dict[str, str]:
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


def sign(url: str, params: object, token: str = AUTH_TOKEN) -> str:
    return RequestValidator(token).compute_signature(url, params)


def inbound(name: str) -> InboundMessage:
    parsed = parse_inbound(load(name), received_at=RECEIVED_AT)
    assert parsed.statuses == ()
    assert parsed.ignored == ()
    assert len(parsed.messages) == 1
    return parsed.messages[0]


def status(name: str) -> StatusUpdate:
    parsed = parse_status(load(name), received_at=RECEIVED_AT)
    assert parsed.messages == ()
    assert len(parsed.statuses) == 1
    return parsed.statuses[0]


# ---------------------------------------------------------------------------------------------
# Signature
# ---------------------------------------------------------------------------------------------
def test_fixture_folder_holds_every_case_when_listed():
    assert len(INBOUND_FIXTURES) >= 11
    assert len(STATUS_FIXTURES) >= 5


@pytest.mark.parametrize("name", ALL_FIXTURES)
def test_signature_is_valid_when_fixture_is_signed_with_the_auth_token(name):
    params = load(name)
    url = INBOUND_URL if name.startswith("inbound_") else STATUS_URL
    signature = sign(url, params)

    assert verify_signature(url=url, params=params, signature=signature, auth_token=AUTH_TOKEN)


@pytest.mark.parametrize("name", ["inbound_text", "inbound_two_images", "status_failed_63016"])
def test_signature_is_valid_when_django_gives_the_form_as_a_querydict(name):
    params = load(name)
    signature = sign(INBOUND_URL, params)
    form = QueryDict(urlencode(params), encoding="utf-8")

    assert verify_signature(url=INBOUND_URL, params=form, signature=signature, auth_token=AUTH_TOKEN)


def test_signature_is_valid_when_a_param_is_repeated_and_given_as_dict_of_lists():
    form = QueryDict("MessageSid=SM1&From=whatsapp%3A%2B51987654321&Tag=b&Tag=a", encoding="utf-8")
    signature = sign(INBOUND_URL, form)  # Twilio appends every value of a repeated name, sorted
    as_lists = {name: form.getlist(name) for name in form}

    assert verify_signature(url=INBOUND_URL, params=as_lists, signature=signature, auth_token=AUTH_TOKEN)
    assert verify_signature(url=INBOUND_URL, params=form, signature=signature, auth_token=AUTH_TOKEN)
    # Keeping only one of the values (what dict(QueryDict) does) must not pass.
    assert not verify_signature(url=INBOUND_URL, params=form.dict(), signature=signature, auth_token=AUTH_TOKEN)


def test_signature_is_valid_when_twilio_signed_the_url_with_the_default_port():
    params = load("inbound_text")
    signature = sign("https://crm.example.pe:443/webhooks/twilio/whatsapp/", params)

    assert verify_signature(url=INBOUND_URL, params=params, signature=signature, auth_token=AUTH_TOKEN)


def test_signature_is_invalid_when_forged():
    params = load("inbound_text")

    assert not verify_signature(
        url=INBOUND_URL, params=params, signature=sign(INBOUND_URL, params, token="f" * 32), auth_token=AUTH_TOKEN
    )
    assert not verify_signature(
        url=INBOUND_URL, params=params, signature="Np1nax6uFoY6qpfT5l9jWwJeit0=", auth_token=AUTH_TOKEN
    )


def test_signature_is_invalid_when_a_field_was_changed_after_signing():
    params = load("inbound_text")
    signature = sign(INBOUND_URL, params)
    tampered = {**params, "Body": "Cancelen mi pedido"}

    assert not verify_signature(url=INBOUND_URL, params=tampered, signature=signature, auth_token=AUTH_TOKEN)


def test_signature_is_invalid_when_a_field_is_left_out():
    params = load("inbound_referral_ad")
    signature = sign(INBOUND_URL, params)
    params.pop("ReferralCtwaClid")

    assert not verify_signature(url=INBOUND_URL, params=params, signature=signature, auth_token=AUTH_TOKEN)


@pytest.mark.parametrize(
    "url",
    [
        "http://crm.example.pe/webhooks/twilio/whatsapp/",  # TLS ended at a proxy, scheme lost
        "https://crm.example.pe/webhooks/twilio/whatsapp",  # trailing slash
        "https://crm.example.pe/webhooks/twilio/whatsapp/?channel=lima",  # query string
        "https://otro.example.pe/webhooks/twilio/whatsapp/",
    ],
)
def test_signature_is_invalid_when_url_differs(url):
    params = load("inbound_text")
    signature = sign(INBOUND_URL, params)

    assert not verify_signature(url=url, params=params, signature=signature, auth_token=AUTH_TOKEN)


@pytest.mark.parametrize("signature", ["", None])
def test_signature_is_invalid_when_missing(signature):
    assert not verify_signature(
        url=INBOUND_URL, params=load("inbound_text"), signature=signature, auth_token=AUTH_TOKEN
    )


def test_signature_is_invalid_when_auth_token_is_not_configured():
    params = load("inbound_text")
    signature = sign(INBOUND_URL, params, token="")

    assert not verify_signature(url=INBOUND_URL, params=params, signature=signature, auth_token="")


# ---------------------------------------------------------------------------------------------
# Inbound messages
# ---------------------------------------------------------------------------------------------
def test_parse_inbound_reads_text_when_body_only():
    message = inbound("inbound_text")

    assert message.provider == Provider.TWILIO_WHATSAPP
    assert message.account_ref == OUR_NUMBER
    assert message.external_id == load("inbound_text")["MessageSid"]
    assert message.sender_id == "51987654321"
    assert message.sender_phone == CUSTOMER
    assert message.sender_name == "María Quispe"
    assert message.timestamp == RECEIVED_AT
    assert message.type == MessageType.TEXT
    assert message.text == "Hola, quisiera información del plan familiar 🙂"
    assert message.media == ()
    assert message.location is None
    assert message.interactive_id == ""
    assert message.reply_to_external_id == ""
    assert message.is_forwarded is False
    assert message.is_echo is False
    assert message.referral == {}
    assert message.raw == load("inbound_text")


def test_parse_inbound_reads_image_and_caption_when_one_media():
    params = load("inbound_image_caption")
    message = inbound("inbound_image_caption")

    assert message.type == MessageType.IMAGE
    assert message.external_id.startswith("MM")
    assert message.text == "Así quedó la instalación"
    assert message.media == (
        MediaRef(url=params["MediaUrl0"], mime_type="image/jpeg", caption="Así quedó la instalación"),
    )


def test_parse_inbound_keeps_every_file_when_two_images():
    params = load("inbound_two_images")
    message = inbound("inbound_two_images")

    assert message.type == MessageType.IMAGE
    assert message.text == ""
    assert message.media == (
        MediaRef(url=params["MediaUrl0"], mime_type="image/jpeg"),
        MediaRef(url=params["MediaUrl1"], mime_type="image/png"),
    )
    assert params["MediaUrl0"] != params["MediaUrl1"]


def test_parse_inbound_marks_voice_note_when_audio_is_ogg():
    message = inbound("inbound_voice_note")

    assert message.type == MessageType.AUDIO
    assert message.text == ""
    assert len(message.media) == 1
    assert message.media[0].mime_type == "audio/ogg"
    assert message.media[0].is_voice is True


def test_parse_inbound_does_not_mark_voice_when_audio_is_mpeg():
    params = {**load("inbound_voice_note"), "MediaContentType0": "audio/mpeg"}
    message = parse_inbound(params).messages[0]

    assert message.type == MessageType.AUDIO
    assert message.media[0].is_voice is False


def test_parse_inbound_reads_video_with_caption_when_mp4():
    message = inbound("inbound_video")

    assert message.type == MessageType.VIDEO
    assert message.text == "Mira el problema"
    assert message.media[0].mime_type == "video/mp4"
    assert message.media[0].caption == "Mira el problema"
    assert message.media[0].is_voice is False


def test_parse_inbound_reads_document_when_pdf():
    params = load("inbound_document_pdf")
    message = inbound("inbound_document_pdf")

    assert message.type == MessageType.DOCUMENT
    assert message.text == "Te envío la cotización firmada"
    assert message.media == (
        MediaRef(url=params["MediaUrl0"], mime_type="application/pdf", caption="Te envío la cotización firmada"),
    )


def test_parse_inbound_reads_location_when_latitude_and_longitude():
    message = inbound("inbound_location")

    assert message.type == MessageType.LOCATION
    assert message.location == Location(
        latitude=-12.1211,
        longitude=-77.0297,
        name="Oficina Miraflores",
        address="Av. José Larco 345, Miraflores 15074, Perú",
    )
    assert message.media == ()
    assert message.text == ""


def test_parse_inbound_reads_bare_pin_when_no_label_or_address():
    params = {k: v for k, v in load("inbound_location").items() if k not in ("Label", "Address")}
    message = parse_inbound(params).messages[0]

    assert message.type == MessageType.LOCATION
    assert message.location == Location(latitude=-12.1211, longitude=-77.0297)


def test_parse_inbound_reads_button_reply_when_button_payload():
    params = load("inbound_button_reply")
    message = inbound("inbound_button_reply")

    assert message.type == MessageType.INTERACTIVE
    assert message.interactive_id == "confirm_visit"
    assert message.text == "Sí, agendar visita"
    assert message.reply_to_external_id == params["OriginalRepliedMessageSid"]
    assert message.location is None
    assert message.media == ()


def test_parse_inbound_reads_button_reply_when_only_message_type_says_so():
    params = {**load("inbound_button_reply"), "ButtonPayload": "", "ButtonText": ""}
    message = parse_inbound(params).messages[0]

    assert message.type == MessageType.INTERACTIVE
    assert message.interactive_id == ""
    assert message.text == "Sí, agendar visita"  # falls back to Body


def test_parse_inbound_reads_list_reply_when_list_id():
    params = {**load("inbound_text"), "MessageType": "interactive", "ListId": "plan_300", "ListTitle": "Fibra 300"}
    message = parse_inbound(params).messages[0]

    assert message.type == MessageType.INTERACTIVE
    assert message.interactive_id == "plan_300"
    assert message.text == "Fibra 300"


def test_parse_inbound_links_quoted_message_when_reply_to():
    params = load("inbound_reply_to")
    message = inbound("inbound_reply_to")

    assert message.type == MessageType.TEXT
    assert message.text == "Sí, ese modelo me interesa"
    assert message.reply_to_external_id == params["OriginalRepliedMessageSid"]
    assert message.interactive_id == ""


def test_parse_inbound_marks_forwarded_when_forwarded_is_true():
    assert inbound("inbound_forwarded").is_forwarded is True
    frequently = {**load("inbound_text"), "FrequentlyForwarded": "true"}
    assert parse_inbound(frequently).messages[0].is_forwarded is True


def test_parse_inbound_collects_referral_when_message_comes_from_an_ad():
    params = load("inbound_referral_ad")
    message = inbound("inbound_referral_ad")

    assert message.type == MessageType.TEXT
    assert message.text == "¡Hola! Quiero más información sobre esto."
    assert message.referral == {
        "body": "Internet de fibra 300 Mbps a S/ 89 al mes",
        "headline": "Fibra hogar",
        "source_id": "120210987654321098",
        "source_type": "ad",
        "source_url": "https://fb.me/3aBcDeFgH",
        "media_id": "1234567890123456",
        "media_content_type": "image/jpeg",
        "media_url": params["ReferralMediaUrl"],
        "num_media": "1",
        "ctwa_clid": params["ReferralCtwaClid"],
    }


def test_parse_inbound_keeps_message_as_unsupported_when_type_is_unknown():
    params = load("inbound_unknown_type")
    message = inbound("inbound_unknown_type")

    assert message.type == MessageType.UNSUPPORTED
    assert message.external_id == params["MessageSid"]
    assert message.sender_id == "51987654321"
    assert message.text == ""
    assert message.raw["MessageType"] == "poll"


def test_parse_inbound_reads_text_when_type_is_unknown_but_body_is_present():
    params = {**load("inbound_unknown_type"), "Body": "¿Me llaman?"}
    message = parse_inbound(params).messages[0]

    assert message.type == MessageType.TEXT
    assert message.text == "¿Me llaman?"


def test_parse_inbound_uses_digits_of_from_when_wa_id_is_missing():
    params = {k: v for k, v in load("inbound_text").items() if k != "WaId"}
    message = parse_inbound(params).messages[0]

    assert message.sender_id == "51987654321"
    assert message.sender_phone == CUSTOMER


def test_parse_inbound_accepts_querydict_when_called_from_a_django_view():
    params = load("inbound_two_images")
    form = QueryDict(urlencode(params), encoding="utf-8")
    message = parse_inbound(form, received_at=RECEIVED_AT).messages[0]

    assert message == inbound("inbound_two_images")
    assert type(message.raw) is dict
    assert message.raw == params


def test_parse_inbound_stamps_now_in_utc_when_no_time_given():
    with time_machine.travel(datetime(2025, 6, 2, 10, 0, tzinfo=timezone(timedelta(hours=-5))), tick=False):
        message = parse_inbound(load("inbound_text")).messages[0]

    assert message.timestamp == datetime(2025, 6, 2, 15, 0, tzinfo=UTC)
    assert message.timestamp.utcoffset() == timedelta(0)


@pytest.mark.parametrize("missing", ["MessageSid", "From", "To"])
def test_parse_inbound_raises_payload_error_when_a_required_field_is_missing(missing):
    params = load("inbound_text")
    params.pop(missing)

    with pytest.raises(PayloadError, match=missing):
        parse_inbound(params)


def test_parse_inbound_raises_payload_error_when_message_sid_is_empty():
    with pytest.raises(PayloadError, match="MessageSid"):
        parse_inbound({**load("inbound_text"), "MessageSid": " "})


def test_parse_inbound_raises_payload_error_when_from_is_not_a_phone():
    with pytest.raises(PayloadError, match="From") as info:
        parse_inbound({**load("inbound_text"), "From": "whatsapp:hola"})
    assert "hola" not in str(info.value)


def test_parse_inbound_raises_payload_error_when_body_is_not_a_form():
    with pytest.raises(PayloadError):
        parse_inbound(["MessageSid", "SM1"])  # type: ignore[arg-type]


@pytest.mark.parametrize("name", INBOUND_FIXTURES)
def test_parsed_inbound_survives_json_round_trip_when_stored(name):
    to_dict = getattr(base, "event_to_dict", None)
    from_dict = getattr(base, "event_from_dict", None)
    if to_dict is None or from_dict is None:
        pytest.skip("integrations.base has no JSON round trip yet")
    message = inbound(name)

    assert from_dict(json.loads(json.dumps(to_dict(message)))) == message


# ---------------------------------------------------------------------------------------------
# Status callbacks
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("status_sent", DeliveryStatus.SENT),
        ("status_delivered", DeliveryStatus.DELIVERED),
        ("status_read", DeliveryStatus.READ),
    ],
)
def test_parse_status_maps_progress_when_message_advances(name, expected):
    params = load(name)
    update = status(name)

    assert update.provider == Provider.TWILIO_WHATSAPP
    assert update.account_ref == OUR_NUMBER
    assert update.external_id == params["MessageSid"]
    assert update.status == expected
    assert update.timestamp == RECEIVED_AT
    assert update.recipient_id == "51987654321"
    assert update.error_code == ""
    assert update.error_message == ""
    assert update.raw == params


def test_parse_status_reports_error_code_when_failed_outside_24_hour_window():
    update = status("status_failed_63016")

    assert update.status == DeliveryStatus.FAILED
    assert update.error_code == "63016"
    assert update.error_message == ""


def test_parse_status_reports_channel_message_when_undelivered():
    update = status("status_undelivered")

    assert update.status == DeliveryStatus.FAILED
    assert update.error_code == "63024"
    assert update.error_message == "Invalid message recipient"


@pytest.mark.parametrize(
    ("twilio_status", "expected"),
    [
        ("queued", DeliveryStatus.QUEUED),
        ("accepted", DeliveryStatus.QUEUED),
        ("scheduled", DeliveryStatus.QUEUED),
        ("sending", DeliveryStatus.QUEUED),
        ("sent", DeliveryStatus.SENT),
        ("delivered", DeliveryStatus.DELIVERED),
        ("read", DeliveryStatus.READ),
        ("failed", DeliveryStatus.FAILED),
        ("undelivered", DeliveryStatus.FAILED),
        ("canceled", DeliveryStatus.FAILED),
    ],
)
def test_parse_status_maps_every_twilio_status_when_outbound(twilio_status, expected):
    params = {**load("status_sent"), "MessageStatus": twilio_status, "SmsStatus": twilio_status}

    assert parse_status(params).statuses[0].status == expected


@pytest.mark.parametrize("twilio_status", ["receiving", "received", "partially_delivered", "something_new"])
def test_parse_status_ignores_update_when_status_is_not_about_our_outbound_message(twilio_status):
    parsed = parse_status({**load("status_sent"), "MessageStatus": twilio_status})

    assert parsed.statuses == ()
    assert parsed.messages == ()
    assert parsed.ignored == (f"status:{twilio_status}",)


def test_parse_status_works_when_only_sid_and_status_are_sent():
    update = parse_status({"MessageSid": "SM0123", "MessageStatus": "delivered"}).statuses[0]

    assert update.external_id == "SM0123"
    assert update.status == DeliveryStatus.DELIVERED
    assert update.account_ref == ""
    assert update.recipient_id == ""


@pytest.mark.parametrize("missing", ["MessageSid", "MessageStatus"])
def test_parse_status_raises_payload_error_when_a_required_field_is_missing(missing):
    params = load("status_delivered")
    params.pop(missing)

    with pytest.raises(PayloadError, match=missing):
        parse_status(params)


@pytest.mark.parametrize("name", STATUS_FIXTURES)
def test_parsed_status_survives_json_round_trip_when_stored(name):
    to_dict = getattr(base, "event_to_dict", None)
    from_dict = getattr(base, "event_from_dict", None)
    if to_dict is None or from_dict is None:
        pytest.skip("integrations.base has no JSON round trip yet")
    update = status(name)

    assert from_dict(json.loads(json.dumps(to_dict(update)))) == update


# ---------------------------------------------------------------------------------------------
# Reply
# ---------------------------------------------------------------------------------------------
def test_empty_twiml_is_an_empty_response_element_when_no_reply_is_wanted():
    assert empty_twiml() == '<?xml version="1.0" encoding="UTF-8"?><Response/>'
