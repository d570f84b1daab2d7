"""WhatsApp Cloud API webhooks (``object: whatsapp_business_account``) turned into our typed events.

Walks ``entry[] -> changes[] -> value`` and yields every message and status of a batch; see
``integrations.meta.webhooks`` for the error policy. Reference: PROVIDERS.md section B.
"""

from __future__ import annotations

from typing import Any

from core.phones import provider_phone
from integrations.base import (
    DeliveryStatus,
    InboundMessage,
    MediaRef,
    MessageType,
    ParsedWebhook,
    Provider,
    StatusUpdate,
)
from integrations.errors import PayloadError
from integrations.limits import bounded, location_or_none
from integrations.meta._payload import as_str, dicts, e164_or_empty, entries, obj, required_text, seconds

WHATSAPP_OBJECT = "whatsapp_business_account"

_WA_MEDIA_TYPES = {
    "image": MessageType.IMAGE,
    "video": MessageType.VIDEO,
    "audio": MessageType.AUDIO,
    "document": MessageType.DOCUMENT,
    "sticker": MessageType.STICKER,
}
_WA_STATUSES = {
    "sent": DeliveryStatus.SENT,
    "delivered": DeliveryStatus.DELIVERED,
    "read": DeliveryStatus.READ,
    "played": DeliveryStatus.READ,  # voice note listened to: at least read
    "failed": DeliveryStatus.FAILED,
}


def parse_whatsapp(payload: dict[str, Any]) -> ParsedWebhook:
    """Every message and status of a WhatsApp Cloud API webhook, in the order Meta sent them.

    Walks ``entry[] -> changes[]``; changes whose ``field`` is not ``messages`` (template reviews,
    account updates...) are listed in ``ignored``. ``account_ref`` is ``metadata.phone_number_id``.
    """
    messages: list[InboundMessage] = []
    statuses: list[StatusUpdate] = []
    ignored: list[str] = []
    for entry in entries(payload, WHATSAPP_OBJECT):
        for change in dicts(entry.get("changes"), "changes"):
            field = as_str(change.get("field"))
            if field != "messages":
                ignored.append(f"whatsapp:{field or 'unknown'}")
                continue
            value = obj(change.get("value"))
            account_ref = required_text(obj(value.get("metadata")), "phone_number_id", "messages change metadata")
            contacts = dicts(value.get("contacts"), "contacts")
            for message in dicts(value.get("messages"), "messages"):
                messages.append(_wa_message(message, account_ref=account_ref, contacts=contacts))
            for status in dicts(value.get("statuses"), "statuses"):
                parsed = _wa_status(status, account_ref=account_ref)
                if parsed is None:
                    ignored.append(f"whatsapp:status:{as_str(status.get('status')) or 'unknown'}")
                else:
                    statuses.append(parsed)
            for error in dicts(value.get("errors"), "errors"):  # errors not tied to a message
                ignored.append(f"whatsapp:error:{as_str(error.get('code'))}")
    return bounded(ParsedWebhook(messages=tuple(messages), statuses=tuple(statuses), ignored=tuple(ignored)))


def _wa_contact(contacts: list[dict[str, Any]], *, wa_id: str, user_id: str) -> dict[str, Any]:
    """The ``contacts[]`` entry of a sender, matched on phone (``wa_id``) or BSUID (``user_id``)."""
    for contact in contacts:
        if wa_id and as_str(contact.get("wa_id")) == wa_id:
            return contact
        if user_id and as_str(contact.get("user_id")) == user_id:
            return contact
    return contacts[0] if len(contacts) == 1 else {}  # one sender per change: its only card is theirs


def _wa_message(message: dict[str, Any], *, account_ref: str, contacts: list[dict[str, Any]]) -> InboundMessage:
    external_id = required_text(message, "id", "whatsapp message")
    phone_id = as_str(message.get("from")).strip()
    user_id = as_str(message.get("from_user_id")).strip()
    sender_id = phone_id or user_id
    if not sender_id:
        raise PayloadError("whatsapp message without 'from' or 'from_user_id'")
    timestamp = seconds(message.get("timestamp"), "whatsapp message")
    profile = obj(_wa_contact(contacts, wa_id=phone_id, user_id=user_id).get("profile"))
    context = obj(message.get("context"))
    content = _wa_content(message)
    return InboundMessage(
        provider=Provider.META_WHATSAPP,
        account_ref=account_ref,
        external_id=external_id,
        sender_id=sender_id,
        timestamp=timestamp,
        sender_phone=provider_phone(phone_id),
        sender_name=as_str(profile.get("name")),
        sender_username=as_str(profile.get("username")),
        reply_to_external_id=as_str(context.get("id")),
        is_forwarded=bool(context.get("forwarded") or context.get("frequently_forwarded")),
        referral=dict(obj(message.get("referral"))),
        raw=message,
        **content,
    )


def _wa_content(message: dict[str, Any]) -> dict[str, Any]:
    """type/text/media/location/... of one message, as InboundMessage keyword arguments."""
    kind = as_str(message.get("type"))
    body = obj(message.get(kind)) if kind != "contacts" else {}
    if kind == "text":
        return {"type": MessageType.TEXT, "text": as_str(body.get("body"))}
    if kind in _WA_MEDIA_TYPES:
        media = MediaRef(
            url=as_str(body.get("url")),
            media_id=as_str(body.get("id")),
            mime_type=as_str(body.get("mime_type")),
            sha256=as_str(body.get("sha256")),
            filename=as_str(body.get("filename")),
            caption=as_str(body.get("caption")),
            is_voice=kind == "audio" and body.get("voice") is True,
        )
        # The caption is also the text, so previews, search and the assistant see it.
        return {"type": _WA_MEDIA_TYPES[kind], "text": media.caption, "media": (media,)}
    if kind == "location":
        location = location_or_none(
            body.get("latitude"),
            body.get("longitude"),
            name=as_str(body.get("name")),
            address=as_str(body.get("address")),
            url=as_str(body.get("url")),
        )
        if location is None:  # missing, non-finite or off-Earth coordinates: kept in raw
            return {"type": MessageType.UNSUPPORTED}
        text = ", ".join(part for part in (location.name, location.address) if part)
        return {"type": MessageType.LOCATION, "text": text, "location": location}
    if kind == "contacts":
        return {"type": MessageType.CONTACTS, "text": _wa_contacts_summary(message.get("contacts"))}
    if kind == "interactive":
        reply_kind = as_str(body.get("type"))
        if reply_kind in ("button_reply", "list_reply"):
            reply = obj(body.get(reply_kind))
            return {
                "type": MessageType.INTERACTIVE,
                "interactive_id": as_str(reply.get("id")),
                "text": as_str(reply.get("title")),
            }
        return {"type": MessageType.UNSUPPORTED}  # e.g. nfm_reply (Flows): kept in raw
    if kind == "button":  # quick-reply button of a template
        return {
            "type": MessageType.INTERACTIVE,
            "interactive_id": as_str(body.get("payload")),
            "text": as_str(body.get("text")),
        }
    if kind == "reaction":
        return {
            "type": MessageType.REACTION,
            "reaction_to_external_id": as_str(body.get("message_id")),
            "reaction_emoji": as_str(body.get("emoji")),  # absent or "" when the reaction is removed
        }
    if kind == "system":  # e.g. the customer changed number: readable, not actionable
        return {"type": MessageType.UNSUPPORTED, "text": as_str(body.get("body"))}
    return {"type": MessageType.UNSUPPORTED}  # "unsupported" (errors 131051), order, unknown types


_MAX_CARDS = 20  # contact cards summed up, and phones per card (all of them stay in raw)


def _wa_contacts_summary(cards: Any) -> str:
    """One line per shared contact card: ``"Ana Pérez: +51987654321, +5114567890"``."""
    lines = []
    for card in cards[:_MAX_CARDS] if isinstance(cards, list) else []:
        if not isinstance(card, dict):
            continue
        name_obj = obj(card.get("name"))
        name = as_str(name_obj.get("formatted_name")) or " ".join(
            part for part in (as_str(name_obj.get("first_name")), as_str(name_obj.get("last_name"))) if part
        )
        phones = []
        for phone in card["phones"][:_MAX_CARDS] if isinstance(card.get("phones"), list) else []:
            phone = obj(phone)
            raw = as_str(phone.get("phone"))
            wa_id = as_str(phone.get("wa_id"))
            phones.append(provider_phone(wa_id) or e164_or_empty(raw) or raw or wa_id)
        numbers = ", ".join(p for p in phones if p)
        line = f"{name}: {numbers}" if name and numbers else (name or numbers)
        if line:
            lines.append(line)
    return "\n".join(lines)


def _wa_status(status: dict[str, Any], *, account_ref: str) -> StatusUpdate | None:
    """A status of a message we sent; None for a status value we do not track (e.g. ``deleted``)."""
    external_id = required_text(status, "id", "whatsapp status")
    mapped = _WA_STATUSES.get(as_str(status.get("status")))
    if mapped is None:
        return None
    errors = dicts(status.get("errors"), "status errors")
    error = errors[0] if errors else {}
    parts = [
        as_str(error.get("title")),
        as_str(error.get("message")),
        as_str(obj(error.get("error_data")).get("details")),
    ]
    return StatusUpdate(
        provider=Provider.META_WHATSAPP,
        account_ref=account_ref,
        external_id=external_id,
        status=mapped,
        timestamp=seconds(status.get("timestamp"), "whatsapp status"),
        recipient_id=as_str(status.get("recipient_id")) or as_str(status.get("recipient_user_id")),
        error_code=as_str(error.get("code")),
        error_message=": ".join(dict.fromkeys(p for p in parts if p)),
        raw=status,
    )
