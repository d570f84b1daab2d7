"""Instagram messaging webhooks replayed from signed fixtures into our typed events."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from integrations import base
from integrations.base import DeliveryStatus, InboundMessage, MessageType, Provider
from integrations.errors import PayloadError
from integrations.meta.webhooks import parse_instagram
from tests.integrations.meta.utils import fixture_json, replay

IG_ACCOUNT = "17841405822304914"
CUSTOMER = "1103948522273991"
OUR_MID_SUFFIX = "MTAw"


def only_message(name: str) -> InboundMessage:
    parsed = replay("instagram", name)
    assert len(parsed.messages) == 1, parsed
    assert parsed.statuses == () and parsed.ignored == ()
    return parsed.messages[0]


def test_text_message_is_parsed_when_a_customer_writes():
    message = only_message("text")
    assert message.provider == Provider.INSTAGRAM
    assert message.account_ref == IG_ACCOUNT
    assert message.sender_id == CUSTOMER
    assert message.external_id.startswith("aWdfZAG1faXRlbTox")
    assert message.type == MessageType.TEXT
    assert message.text == "Hola! ¿Tienen la casaca en talla S?"
    assert message.timestamp == datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
    assert message.sender_phone == ""
    assert not message.is_echo
    assert message.raw["sender"]["id"] == CUSTOMER


def test_timestamp_keeps_milliseconds_when_instagram_sends_them():
    payload = fixture_json("instagram", "text")
    payload["entry"][0]["messaging"][0]["timestamp"] = 1767600000123
    (message,) = parse_instagram(payload).messages
    assert message.timestamp == datetime(2026, 1, 5, 8, 0, 0, 123000, tzinfo=UTC)


def test_image_attachment_becomes_media_ref_with_url_when_customer_sends_a_photo():
    message = only_message("image")
    assert message.type == MessageType.IMAGE
    (media,) = message.media
    assert media.url.startswith("https://lookaside.fbsbx.com/ig_messaging_cdn/")
    assert media.media_id == ""
    assert message.text == ""


@pytest.mark.parametrize(
    ("attachment_type", "kind"),
    [("video", MessageType.VIDEO), ("audio", MessageType.AUDIO), ("file", MessageType.DOCUMENT)],
)
def test_attachment_types_are_mapped_when_customer_sends_files(attachment_type, kind):
    payload = fixture_json("instagram", "image")
    payload["entry"][0]["messaging"][0]["message"]["attachments"][0]["type"] = attachment_type
    (message,) = parse_instagram(payload).messages
    assert message.type == kind
    assert message.media[0].url


def test_reply_to_is_set_when_customer_quotes_a_message():
    message = only_message("reply_to")
    assert message.reply_to_external_id.endswith(OUR_MID_SUFFIX)
    assert message.text == "¿Y este en negro?"


def test_quick_reply_is_interactive_when_customer_taps_it():
    message = only_message("quick_reply")
    assert message.type == MessageType.INTERACTIVE
    assert message.interactive_id == "CATALOG"
    assert message.text == "Ver catálogo"


def test_echo_names_the_customer_as_sender_when_we_wrote_from_the_instagram_app():
    message = only_message("echo")
    assert message.is_echo is True
    assert message.sender_id == CUSTOMER  # the other party, never our own account
    assert message.account_ref == IG_ACCOUNT
    assert message.text == "¡Claro! Te paso los precios."


def test_reaction_points_at_the_message_when_customer_reacts():
    message = only_message("reaction")
    assert message.type == MessageType.REACTION
    assert message.reaction_to_external_id.endswith(OUR_MID_SUFFIX)
    assert message.reaction_emoji == "❤️"
    assert message.sender_id == CUSTOMER
    assert message.external_id  # derived, Instagram gives reactions no id


def test_reaction_emoji_is_empty_when_customer_unreacts():
    message = only_message("unreact")
    assert message.type == MessageType.REACTION
    assert message.reaction_emoji == ""
    assert message.reaction_to_external_id.endswith(OUR_MID_SUFFIX)


def test_reaction_ids_are_stable_when_meta_retries_and_distinct_when_customer_changes_mind():
    react_again = only_message("reaction")
    assert only_message("reaction").external_id == react_again.external_id
    assert only_message("unreact").external_id != react_again.external_id


def test_read_becomes_a_read_status_when_customer_sees_our_message():
    parsed = replay("instagram", "read")
    assert parsed.messages == ()
    (status,) = parsed.statuses
    assert status.provider == Provider.INSTAGRAM
    assert status.status == DeliveryStatus.READ
    assert status.external_id.endswith(OUR_MID_SUFFIX)
    assert status.recipient_id == CUSTOMER
    assert status.account_ref == IG_ACCOUNT


def test_postback_is_interactive_when_customer_taps_an_ice_breaker():
    message = only_message("postback")
    assert message.type == MessageType.INTERACTIVE
    assert message.interactive_id == "PRICES"
    assert message.text == "Ver precios"
    assert message.external_id.endswith("06")


@pytest.mark.parametrize(
    ("name", "description"),
    [
        ("message_edit", "instagram:message_edit"),
        ("referral_only", "instagram:referral"),
        ("deleted", "instagram:message_deleted"),
    ],
)
def test_event_is_ignored_when_we_do_not_handle_it(name, description):
    parsed = replay("instagram", name)
    assert parsed.messages == () and parsed.statuses == ()
    assert parsed.ignored == (description,)


def test_unsupported_message_is_kept_when_instagram_cannot_show_it():
    message = only_message("unsupported")
    assert message.type == MessageType.UNSUPPORTED
    assert message.raw["message"]["is_unsupported"] is True


def test_shared_reel_becomes_text_with_its_link_when_customer_shares_a_post():
    message = only_message("share_reel")
    assert message.type == MessageType.TEXT
    assert message.text.splitlines() == [
        "Nueva colección otoño",
        "https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=18034496881123456&signature=AbReel-demo",
    ]
    assert message.media == ()
    assert message.raw["message"]["attachments"][0]["type"] == "ig_reel"


def test_story_mention_becomes_text_with_its_link_when_customer_mentions_us():
    message = only_message("story_mention")
    assert message.type == MessageType.TEXT
    assert message.text.startswith("https://lookaside.fbsbx.com/")
    assert message.raw["message"]["attachments"][0]["type"] == "story_mention"


def test_batch_yields_every_event_when_meta_aggregates_updates():
    parsed = replay("instagram", "batch")
    assert [m.type for m in parsed.messages] == [MessageType.TEXT, MessageType.REACTION]
    assert [s.status for s in parsed.statuses] == [DeliveryStatus.READ]


def test_comments_are_ignored_when_the_entry_carries_changes():
    payload = {
        "object": "instagram",
        "entry": [{"id": IG_ACCOUNT, "time": 1767600000, "changes": [{"field": "comments", "value": {"id": "1"}}]}],
    }
    assert parse_instagram(payload).ignored == ("instagram:comments",)


def test_payload_error_when_a_message_has_no_mid():
    payload = fixture_json("instagram", "text")
    del payload["entry"][0]["messaging"][0]["message"]["mid"]
    with pytest.raises(PayloadError):
        parse_instagram(payload)


@pytest.mark.parametrize(
    "mutate",
    [
        lambda p: p.__setitem__("object", "whatsapp_business_account"),
        lambda p: p["entry"][0].__delitem__("id"),
        lambda p: p["entry"][0].__setitem__("messaging", {"sender": {}}),
        lambda p: p["entry"][0]["messaging"][0].__setitem__("timestamp", "ayer"),
        lambda p: p["entry"][0]["messaging"][0].__setitem__("sender", {}),
    ],
)
def test_payload_error_when_envelope_has_the_wrong_shape(mutate):
    payload = fixture_json("instagram", "text")
    mutate(payload)
    with pytest.raises(PayloadError):
        parse_instagram(payload)


@pytest.mark.parametrize("name", ["text", "image", "echo", "reaction", "read", "postback", "batch"])
def test_events_survive_a_json_round_trip_when_stored_for_later(name):
    to_dict = getattr(base, "event_to_dict", None)
    from_dict = getattr(base, "event_from_dict", None)
    if to_dict is None or from_dict is None:
        pytest.skip("integrations.base has no event JSON round trip")
    parsed = replay("instagram", name)
    for event in (*parsed.messages, *parsed.statuses):
        assert from_dict(json.loads(json.dumps(to_dict(event)))) == event
