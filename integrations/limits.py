"""What a parsed webhook may carry, so that storing it never fails (PostgreSQL enforces ``max_length``).

Every parser passes its result through :func:`bounded`. Identifiers too long for their column get a
stable digest (:func:`integrations.sanitize.fit_id`), free text is clipped, every string is cleaned
of what no database stores; the provider's raw object (``raw``) is only cleaned, never cut, so the
stored webhook event keeps everything the customer sent. The numbers mirror the model columns they
end in (``tests/integrations/test_hostile_payloads.py`` checks that they still do).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from integrations.base import InboundMessage, Location, MediaRef, ParsedWebhook, StatusUpdate
from integrations.sanitize import clean_json, clean_text, clip, finite, fit_id

MAX_MEDIA = 10  # Twilio: "up to 10 media files"; WhatsApp and Instagram send one per message

ID_CHARS = 200  # Message.provider_message_id / reply_to_external_id / interactive_id, WebhookEvent.external_id
CHANNEL_ID_CHARS = 64  # Contact.whatsapp_id / instagram_id, ChannelAccount.account_ref
PHONE_CHARS = 20  # Contact.phone
NAME_CHARS = 150  # Contact.name
USERNAME_CHARS = 64  # Contact.instagram_username
MIME_CHARS = 100  # Message.media_mime
ERROR_CODE_CHARS = 20  # Message.error_code
ERROR_MESSAGE_CHARS = 2000
FILENAME_CHARS = 200
URL_CHARS = 4096
SHORT_TEXT_CHARS = 1000  # location names and addresses, emoji, button payloads kept in JSON
CAPTION_CHARS = 4096
REFERRAL_JSON_DEPTH = 4

# The longest text a customer can type: WhatsApp 4096 characters, Instagram 1000 (the Instagram parser
# clips the words to that, then adds the links of shared posts, which the overall limit bounds).
TEXT_CHARS = 4096
INSTAGRAM_TYPED_TEXT_CHARS = 1000


def _text(value: str, limit: int) -> str:
    return clip(clean_text(value), limit)


def _id(value: str, limit: int = ID_CHARS) -> str:
    return fit_id(clean_text(value), limit)


def _media(ref: MediaRef) -> MediaRef:
    return MediaRef(
        url=_text(ref.url, URL_CHARS),
        media_id=_id(ref.media_id),
        mime_type=_text(ref.mime_type, MIME_CHARS),
        sha256=_text(ref.sha256, 128),
        filename=_text(ref.filename, FILENAME_CHARS),
        caption=_text(ref.caption, CAPTION_CHARS),
        is_voice=ref.is_voice,
    )


def location_or_none(
    latitude: Any, longitude: Any, *, name: str = "", address: str = "", url: str = ""
) -> Location | None:
    """A :class:`Location` when both coordinates are finite numbers on Earth, else None."""
    lat, lng = finite(latitude), finite(longitude)
    if lat is None or lng is None or not -90 <= lat <= 90 or not -180 <= lng <= 180:
        return None
    return Location(latitude=lat, longitude=lng, name=name, address=address, url=url)


def _location(location: Location | None) -> Location | None:
    if location is None:
        return None
    return location_or_none(
        location.latitude,
        location.longitude,
        name=_text(location.name, SHORT_TEXT_CHARS),
        address=_text(location.address, SHORT_TEXT_CHARS),
        url=_text(location.url, URL_CHARS) if location.url.lower().startswith(("https://", "http://")) else "",
    )


def bounded_message(message: InboundMessage) -> InboundMessage:
    return replace(
        message,
        account_ref=_id(message.account_ref, CHANNEL_ID_CHARS),
        external_id=_id(message.external_id),
        sender_id=_id(message.sender_id, CHANNEL_ID_CHARS),
        text=_text(message.text, TEXT_CHARS),
        sender_phone=_text(message.sender_phone, PHONE_CHARS),
        sender_name=_text(message.sender_name, NAME_CHARS),
        sender_username=_text(message.sender_username, USERNAME_CHARS),
        media=tuple(_media(ref) for ref in message.media[:MAX_MEDIA]),
        location=_location(message.location),
        reply_to_external_id=_id(message.reply_to_external_id),
        reaction_to_external_id=_id(message.reaction_to_external_id),
        reaction_emoji=_text(message.reaction_emoji, 64),
        interactive_id=_text(message.interactive_id, ID_CHARS),
        referral=clean_json(message.referral, max_depth=REFERRAL_JSON_DEPTH),
        raw=clean_json(message.raw),
    )


def bounded_status(update: StatusUpdate) -> StatusUpdate:
    return replace(
        update,
        account_ref=_id(update.account_ref, CHANNEL_ID_CHARS),
        external_id=_id(update.external_id),
        recipient_id=_id(update.recipient_id, CHANNEL_ID_CHARS),
        error_code=_text(update.error_code, ERROR_CODE_CHARS),
        error_message=_text(update.error_message, ERROR_MESSAGE_CHARS),
        raw=clean_json(update.raw),
    )


def bounded(parsed: ParsedWebhook) -> ParsedWebhook:
    """``parsed`` with every field fit for its column (see the module docstring)."""
    return ParsedWebhook(
        messages=tuple(bounded_message(m) for m in parsed.messages),
        statuses=tuple(bounded_status(s) for s in parsed.statuses),
        ignored=tuple(_text(item, 200) for item in parsed.ignored),
    )
