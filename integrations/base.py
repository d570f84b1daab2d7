"""The small common language of every messaging provider: typed inbound events and send results.

Providers (``integrations.twilio``, ``integrations.meta``) turn their webhooks into these objects and
take plain arguments to send. They import no app models: callers pass credentials and base URLs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol


class Provider(StrEnum):
    TWILIO_WHATSAPP = "twilio_whatsapp"
    META_WHATSAPP = "meta_whatsapp"
    INSTAGRAM = "instagram"
    SANDBOX = "sandbox"  # the browser's pretend phone (/sandbox/): nothing leaves the machine


class MessageType(StrEnum):
    TEXT = "text"
    IMAGE = "image"
    AUDIO = "audio"
    VIDEO = "video"
    DOCUMENT = "document"
    STICKER = "sticker"
    LOCATION = "location"
    CONTACTS = "contacts"
    INTERACTIVE = "interactive"  # button/list replies, template quick-reply buttons, IG quick replies/postbacks
    REACTION = "reaction"
    TEMPLATE = "template"
    UNSUPPORTED = "unsupported"


class DeliveryStatus(StrEnum):
    """Outbound progress, in order; FAILED is terminal and beats every other state."""

    QUEUED = "queued"
    SENT = "sent"
    DELIVERED = "delivered"
    READ = "read"
    FAILED = "failed"


# Size limits of WhatsApp media, by kind (bytes).
MEDIA_LIMITS = {
    MessageType.IMAGE: 5 * 1024 * 1024,
    MessageType.STICKER: 5 * 1024 * 1024,
    MessageType.AUDIO: 16 * 1024 * 1024,
    MessageType.VIDEO: 16 * 1024 * 1024,
    MessageType.DOCUMENT: 100 * 1024 * 1024,
}


@dataclass(frozen=True)
class MediaRef:
    """Where to fetch a file: Twilio gives a URL, Meta a media id (and maybe a URL)."""

    url: str = ""
    media_id: str = ""
    mime_type: str = ""
    sha256: str = ""
    filename: str = ""
    caption: str = ""
    is_voice: bool = False


@dataclass(frozen=True)
class DownloadedMedia:
    content: bytes
    mime_type: str
    filename: str = ""

    @property
    def size(self) -> int:
        return len(self.content)


@dataclass(frozen=True)
class Location:
    latitude: float
    longitude: float
    name: str = ""
    address: str = ""
    url: str = ""


@dataclass(frozen=True)
class InboundMessage:
    """One message a customer sent (or, with ``is_echo``, one we sent from elsewhere, e.g. the IG app).

    ``account_ref`` names our side (Twilio ``To`` number in E.164, Meta ``phone_number_id``, the IG
    account id); ``sender_id`` is the customer's stable id on the channel (``wa_id`` or the
    business-scoped user id, the IGSID); ``sender_phone`` is E.164 when the provider gave one.
    For an echo, ``sender_id`` is still the customer (the other party of the conversation).
    """

    provider: Provider
    account_ref: str
    external_id: str
    sender_id: str
    timestamp: datetime
    type: MessageType
    text: str = ""
    sender_phone: str = ""
    sender_name: str = ""
    sender_username: str = ""
    media: tuple[MediaRef, ...] = ()
    location: Location | None = None
    reply_to_external_id: str = ""
    reaction_to_external_id: str = ""
    reaction_emoji: str = ""  # empty when a reaction is removed
    interactive_id: str = ""  # id/payload of the button or list row chosen
    is_echo: bool = False
    is_forwarded: bool = False
    referral: dict[str, Any] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class StatusUpdate:
    """Progress of a message we sent, keyed on the provider's id for it."""

    provider: Provider
    account_ref: str
    external_id: str
    status: DeliveryStatus
    timestamp: datetime
    recipient_id: str = ""
    error_code: str = ""
    error_message: str = ""
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ParsedWebhook:
    messages: tuple[InboundMessage, ...] = ()
    statuses: tuple[StatusUpdate, ...] = ()
    ignored: tuple[str, ...] = ()  # short descriptions of events we do not handle (e.g. "message_edit")


@dataclass(frozen=True)
class SendResult:
    external_id: str
    status: DeliveryStatus = DeliveryStatus.SENT
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Button:
    id: str
    title: str


@dataclass(frozen=True)
class ListRow:
    """One choice of a list message: ``id`` comes back when it is chosen, ``title`` is what the customer sees."""

    id: str
    title: str
    description: str = ""


def numbered_options(body: str, titles: list[str], *, footer: str = "") -> str:
    """The text fallback of buttons and lists on a channel without them: the options numbered ``1. …``,
    and a line saying how to answer. The customer's "1" (or the words) is matched back to the option by
    the caller, which knows what it offered."""
    options = "\n".join(f"{index}. {title}" for index, title in enumerate(titles, start=1))
    hint = footer or "Responde con el número de tu opción."
    return f"{body}\n\n{options}\n\n{hint}" if options else body


def location_text(*, latitude: float, longitude: float, name: str = "", address: str = "") -> str:
    """A place as words and a map link, for a channel without location pins."""
    label = " — ".join(part for part in (name, address) if part)
    link = f"https://maps.google.com/?q={latitude:.6f},{longitude:.6f}"
    return f"📍 {label}\n{link}" if label else f"📍 {link}"


class MessagingClient(Protocol):
    """What every provider client offers. ``to`` is the customer's channel id or E.164 phone."""

    def send_text(self, *, to: str, body: str, reply_to: str = "", human_agent: bool = False) -> SendResult: ...

    def send_media(
        self, *, to: str, url: str, kind: MessageType, caption: str = "", filename: str = ""
    ) -> SendResult: ...

    def send_template(
        self, *, to: str, template: str, language: str = "es", variables: list[str] | None = None
    ) -> SendResult: ...

    def send_buttons(self, *, to: str, body: str, buttons: list[Button]) -> SendResult: ...

    def send_list(self, *, to: str, body: str, button: str, rows: list[ListRow], section: str = "") -> SendResult: ...

    def send_location(
        self, *, to: str, latitude: float, longitude: float, name: str = "", address: str = ""
    ) -> SendResult: ...

    def download_media(self, media: MediaRef, *, kind: MessageType) -> DownloadedMedia: ...


# ---------------------------------------------------------------------------------------------
# JSON round trip of the events, so a stored webhook can be processed (and replayed) later.
# ---------------------------------------------------------------------------------------------
def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, tuple | list):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if hasattr(value, "__dataclass_fields__"):
        return {name: _jsonable(getattr(value, name)) for name in value.__dataclass_fields__}
    return value


def event_to_dict(event: InboundMessage | StatusUpdate) -> dict[str, Any]:
    data = _jsonable(event)
    data["event"] = "message" if isinstance(event, InboundMessage) else "status"
    return data


def event_from_dict(data: dict[str, Any]) -> InboundMessage | StatusUpdate:
    data = dict(data)
    kind = data.pop("event")
    data["provider"] = Provider(data["provider"])
    data["timestamp"] = datetime.fromisoformat(data["timestamp"])
    if kind == "status":
        data["status"] = DeliveryStatus(data["status"])
        return StatusUpdate(**data)
    data["type"] = MessageType(data["type"])
    data["media"] = tuple(MediaRef(**m) for m in data.get("media", ()))
    data["location"] = Location(**data["location"]) if data.get("location") else None
    return InboundMessage(**data)
