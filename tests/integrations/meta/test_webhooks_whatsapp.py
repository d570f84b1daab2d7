"""WhatsApp Cloud API webhooks replayed from signed fixtures into our typed events."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime

import pytest

from integrations import base
from integrations.base import DeliveryStatus, InboundMessage, MessageType, Provider, StatusUpdate
from integrations.errors import PayloadError
from integrations.meta.webhooks import parse_whatsapp
from tests.integrations.meta.utils import fixture_json, replay

PNID = "106540352242922"
ANA_WA_ID = "51987654321"


def only_message(name: str) -> InboundMessage:
    parsed = replay("whatsapp", name)
    assert len(parsed.messages) == 1, parsed
    assert parsed.statuses == ()
    return parsed.messages[0]


def only_status(name: str) -> StatusUpdate:
    parsed = replay("whatsapp", name)
    assert parsed.messages == ()
    assert len(parsed.statuses) == 1
    return parsed.statuses[0]


def test_text_message_is_parsed_when_a_customer_writes():
    message = only_message("text")
    assert message.provider == Provider.META_WHATSAPP
    assert message.account_ref == PNID
    assert message.external_id.startswith("wamid.")
    assert message.sender_id == ANA_WA_ID
    assert message.sender_phone == "+51987654321"
    assert message.sender_name == "Ana Pérez"
    assert message.sender_username == ""
    assert message.type == MessageType.TEXT
    assert message.text == "Hola, ¿cuánto cuesta el envío a Arequipa?"
    assert message.timestamp == datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
    assert message.timestamp.tzinfo is not None
    assert message.raw["id"] == message.external_id
    assert not message.is_echo
    assert not message.is_forwarded


def test_image_becomes_media_ref_with_caption_when_customer_sends_a_photo():
    message = only_message("image")
    assert message.type == MessageType.IMAGE
    (media,) = message.media
    assert media.media_id == "1003383421387256"
    assert media.mime_type == "image/jpeg"
    assert media.sha256 == "8nl6jIK2i+T7PLBpz16+oDp34NAGqlx1HQtKFAGD8rU="
    assert media.caption == "Quiero este modelo en azul"
    assert media.url.startswith("https://lookaside.fbsbx.com/")
    assert message.text == "Quiero este modelo en azul"


@pytest.mark.parametrize(
    ("name", "kind", "media_id"),
    [
        ("video", MessageType.VIDEO, "1163215478890121"),
        ("document", MessageType.DOCUMENT, "2041231129988776"),
        ("sticker", MessageType.STICKER, "1385744162305211"),
        ("audio_voice", MessageType.AUDIO, "1877634422904431"),
    ],
)
def test_media_kinds_are_mapped_when_customer_sends_files(name, kind, media_id):
    message = only_message(name)
    assert message.type == kind
    assert message.media[0].media_id == media_id
    assert message.media[0].url == ""  # not every webhook carries the URL: download by id


def test_document_keeps_filename_when_customer_sends_a_pdf():
    media = only_message("document").media[0]
    assert media.filename == "voucher-yape.pdf"
    assert media.mime_type == "application/pdf"
    assert media.caption == "Mi comprobante de pago"


def test_audio_is_a_voice_note_when_voice_flag_is_true():
    media = only_message("audio_voice").media[0]
    assert media.is_voice is True
    assert media.mime_type == "audio/ogg; codecs=opus"


def test_sticker_is_not_a_voice_note_when_parsed():
    message = only_message("sticker")
    assert message.media[0].mime_type == "image/webp"
    assert message.media[0].is_voice is False
    assert message.text == ""


def test_location_has_numbers_when_customer_shares_a_place():
    message = only_message("location")
    assert message.type == MessageType.LOCATION
    assert message.location is not None
    assert message.location.latitude == pytest.approx(-12.1211)
    assert message.location.longitude == pytest.approx(-77.0297)
    assert message.location.name == "Parque Kennedy"
    assert message.location.address == "Av. José Larco, Miraflores, Lima"
    assert "Parque Kennedy" in message.text


def test_location_without_coordinates_is_unsupported_when_payload_is_incomplete():
    payload = fixture_json("whatsapp", "location")
    del payload["entry"][0]["changes"][0]["value"]["messages"][0]["location"]["latitude"]
    (message,) = parse_whatsapp(payload).messages
    assert message.type == MessageType.UNSUPPORTED
    assert message.location is None


def test_contacts_become_a_readable_summary_when_customer_shares_cards():
    message = only_message("contacts")
    assert message.type == MessageType.CONTACTS
    assert message.text.splitlines() == [
        "Rosa Quispe: +51912345678, +5114567890",
        "Jorge: +56987654321",
    ]
    assert message.raw["contacts"][0]["org"]["company"] == "Textiles Rosa SAC"


@pytest.mark.parametrize(
    ("name", "interactive_id", "text"),
    [
        ("interactive_button_reply", "confirm_order", "Sí, confirmo"),
        ("interactive_list_reply", "size_m", "Talla M"),
        ("button_template_reply", "Quiero hablar con un asesor", "Hablar con asesor"),
    ],
)
def test_replies_are_interactive_when_customer_taps_a_button_or_row(name, interactive_id, text):
    message = only_message(name)
    assert message.type == MessageType.INTERACTIVE
    assert message.interactive_id == interactive_id
    assert message.text == text
    assert message.reply_to_external_id.startswith("wamid.")  # the message with the buttons


def test_reaction_points_at_our_message_when_customer_reacts():
    message = only_message("reaction")
    assert message.type == MessageType.REACTION
    assert message.reaction_to_external_id == "wamid.HBgLNTE5ODc2NTQzMjEVAgARGBI5QU9VVEJPVU5EMDAwMDAwMDEA"
    assert message.reaction_emoji == "👍"
    assert message.reply_to_external_id == ""


def test_reaction_emoji_is_empty_when_reaction_is_removed():
    message = only_message("reaction_removed")
    assert message.type == MessageType.REACTION
    assert message.reaction_emoji == ""
    assert message.reaction_to_external_id


def test_reaction_emoji_is_empty_when_emoji_key_is_absent():
    payload = fixture_json("whatsapp", "reaction")
    del payload["entry"][0]["changes"][0]["value"]["messages"][0]["reaction"]["emoji"]
    assert parse_whatsapp(payload).messages[0].reaction_emoji == ""


def test_unsupported_is_kept_with_errors_when_type_is_unknown_to_meta():
    message = only_message("unsupported")
    assert message.type == MessageType.UNSUPPORTED
    assert message.raw["errors"][0]["code"] == 131051
    assert message.raw["unsupported"] == {"type": "poll"}


def test_unknown_type_is_kept_as_unsupported_when_meta_adds_new_types():
    message = only_message("order_unknown_type")
    assert message.type == MessageType.UNSUPPORTED
    assert message.raw["order"]["product_items"][0]["product_retailer_id"] == "POLO-AZ-M"


def test_reply_to_is_set_when_message_has_context():
    message = only_message("reply_context")
    assert message.reply_to_external_id == "wamid.HBgLNTE5ODc2NTQzMjEVAgARGBI5QU9VVEJPVU5EMDAwMDAwMDIA"
    assert not message.is_forwarded


def test_is_forwarded_when_context_says_frequently_forwarded():
    message = only_message("forwarded")
    assert message.is_forwarded
    assert message.reply_to_external_id == ""


def test_referral_is_kept_when_customer_comes_from_a_click_to_whatsapp_ad():
    message = only_message("referral")
    assert message.referral["source_type"] == "ad"
    assert message.referral["ctwa_clid"].startswith("ARAk")
    assert message.referral["headline"] == "Escríbenos por WhatsApp"


def test_sender_is_the_bsuid_when_from_and_wa_id_are_empty():
    message = only_message("bsuid")
    assert message.sender_id == "US.13491208655302741918"
    assert message.sender_phone == ""
    assert message.sender_name == "Pablo M."
    assert message.sender_username == "@pablomorales"
    assert message.text == "Hola, ¿tienen delivery?"


def test_bsuid_is_available_in_raw_when_phone_is_also_present():
    payload = fixture_json("whatsapp", "text")
    payload["entry"][0]["changes"][0]["value"]["messages"][0]["from_user_id"] = "PE.8812"
    (message,) = parse_whatsapp(payload).messages
    assert message.sender_id == ANA_WA_ID  # the phone stays the key when Meta gives it
    assert message.raw["from_user_id"] == "PE.8812"


def test_batch_yields_every_message_and_status_when_meta_aggregates_updates():
    parsed = replay("whatsapp", "batch")
    assert [m.sender_id for m in parsed.messages] == [ANA_WA_ID, "5491123456789", ANA_WA_ID]
    assert [m.sender_name for m in parsed.messages] == ["Ana Pérez", "Luis Gómez", "Ana Pérez"]
    assert parsed.messages[1].sender_phone == "+5491123456789"
    assert [m.type for m in parsed.messages] == [MessageType.TEXT, MessageType.TEXT, MessageType.IMAGE]
    assert len({m.external_id for m in parsed.messages}) == 3
    assert [(s.status, s.recipient_id) for s in parsed.statuses] == [
        (DeliveryStatus.DELIVERED, ANA_WA_ID),
        (DeliveryStatus.READ, "56987654321"),
    ]
    assert parsed.ignored == ()


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("status_sent", DeliveryStatus.SENT),
        ("status_delivered", DeliveryStatus.DELIVERED),
        ("status_read", DeliveryStatus.READ),
        ("status_played", DeliveryStatus.READ),
    ],
)
def test_status_is_mapped_when_meta_reports_progress(name, status):
    update = only_status(name)
    assert update.provider == Provider.META_WHATSAPP
    assert update.account_ref == PNID
    assert update.external_id == "wamid.HBgLNTE5ODc2NTQzMjEVAgARGBI5QU9VVEJPVU5EMDAwMDAwMDEA"
    assert update.status == status
    assert update.recipient_id == ANA_WA_ID
    assert update.error_code == ""
    assert update.timestamp.tzinfo is not None


def test_failed_status_carries_code_131047_when_outside_the_24_hour_window():
    update = only_status("status_failed_131047")
    assert update.status == DeliveryStatus.FAILED
    assert update.error_code == "131047"
    assert update.error_message.startswith("Re-engagement message: ")
    assert "24 hours" in update.error_message
    assert update.timestamp == datetime.fromtimestamp(1767700000, tz=UTC)


def test_status_recipient_is_the_bsuid_when_recipient_id_is_empty():
    payload = fixture_json("whatsapp", "status_delivered")
    status = payload["entry"][0]["changes"][0]["value"]["statuses"][0]
    status["recipient_id"] = ""
    status["recipient_user_id"] = "US.13491208655302741918"
    assert parse_whatsapp(payload).statuses[0].recipient_id == "US.13491208655302741918"


def test_unknown_status_is_ignored_when_meta_sends_a_value_we_do_not_track():
    payload = fixture_json("whatsapp", "status_delivered")
    payload["entry"][0]["changes"][0]["value"]["statuses"][0]["status"] = "deleted"
    parsed = parse_whatsapp(payload)
    assert parsed.statuses == ()
    assert parsed.ignored == ("whatsapp:status:deleted",)


def test_non_message_fields_are_ignored_when_meta_sends_account_updates():
    parsed = replay("whatsapp", "account_update")
    assert parsed.messages == () and parsed.statuses == ()
    assert parsed.ignored == ("whatsapp:message_template_status_update",)


@pytest.mark.parametrize("missing", ["id", "timestamp"])
def test_payload_error_when_a_message_lacks_required_keys(missing):
    payload = fixture_json("whatsapp", "text")
    del payload["entry"][0]["changes"][0]["value"]["messages"][0][missing]
    with pytest.raises(PayloadError):
        parse_whatsapp(payload)


def test_payload_error_when_a_message_has_no_sender():
    payload = fixture_json("whatsapp", "text")
    payload["entry"][0]["changes"][0]["value"]["messages"][0]["from"] = ""
    with pytest.raises(PayloadError):
        parse_whatsapp(payload)


def test_payload_error_when_timestamp_is_not_a_number():
    payload = fixture_json("whatsapp", "status_read")
    payload["entry"][0]["changes"][0]["value"]["statuses"][0]["timestamp"] = "ayer"
    with pytest.raises(PayloadError):
        parse_whatsapp(payload)


@pytest.mark.parametrize(
    "mutate",
    [
        lambda p: p["entry"][0].__setitem__("changes", {"field": "messages"}),
        lambda p: p["entry"][0]["changes"][0]["value"].__setitem__("messages", "hola"),
        lambda p: p["entry"][0]["changes"][0]["value"].__setitem__("metadata", {}),
        lambda p: p.__setitem__("object", "instagram"),
    ],
)
def test_payload_error_when_envelope_has_the_wrong_shape(mutate):
    payload = fixture_json("whatsapp", "text")
    mutate(payload)
    with pytest.raises(PayloadError):
        parse_whatsapp(payload)


def test_payload_is_not_modified_when_parsed():
    payload = fixture_json("whatsapp", "batch")
    before = copy.deepcopy(payload)
    parse_whatsapp(payload)
    assert payload == before


@pytest.mark.parametrize(
    "name",
    ["text", "image", "audio_voice", "location", "contacts", "reaction", "referral", "batch", "status_failed_131047"],
)
def test_events_survive_a_json_round_trip_when_stored_for_later(name):
    to_dict = getattr(base, "event_to_dict", None)
    from_dict = getattr(base, "event_from_dict", None)
    if to_dict is None or from_dict is None:
        pytest.skip("integrations.base has no event JSON round trip")
    parsed = replay("whatsapp", name)
    for event in (*parsed.messages, *parsed.statuses):
        assert from_dict(json.loads(json.dumps(to_dict(event)))) == event
