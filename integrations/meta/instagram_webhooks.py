"""Instagram messaging webhooks (``object: instagram``) turned into our typed events.

Walks ``entry[] -> messaging[]`` (millisecond timestamps); see ``integrations.meta.webhooks`` for the
error policy. Reference: PROVIDERS.md section C.
"""

from __future__ import annotations

from typing import Any

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
from integrations.limits import INSTAGRAM_TYPED_TEXT_CHARS, bounded
from integrations.meta._payload import as_str, dicts, entries, milliseconds, obj, required_text
from integrations.sanitize import clip

INSTAGRAM_OBJECT = "instagram"

_IG_MEDIA_TYPES = {
    "image": MessageType.IMAGE,  # photos, GIFs and stickers
    "video": MessageType.VIDEO,
    "audio": MessageType.AUDIO,
    "file": MessageType.DOCUMENT,
}
_IG_IGNORED_EVENTS = ("message_edit", "referral", "optin", "optins", "messaging_optins", "standby")


def parse_instagram(payload: dict[str, Any]) -> ParsedWebhook:
    """Every message, reaction, postback and read receipt of an Instagram messaging webhook.

    ``account_ref`` is ``entry.id`` (our professional account). Our own messages (sent from the
    Instagram app, or echoes of our API sends) come back with ``is_echo=True`` and ``sender_id`` set to
    the customer, so the caller stores them as outbound and never answers them.

    Shared posts, reels and stories (``share``, ``ig_post``, ``ig_reel``, ``reel``, ``story_mention``,
    ``story``...) become TEXT whose text holds the customer's words and the link(s): they are content a
    customer chose to send (often "I want this"), but links to posts rather than files to download.
    ``comments`` and other ``changes[]`` fields, ``message_edit``, referral-only events, opt-ins and
    deleted messages are listed in ``ignored``.
    """
    messages: list[InboundMessage] = []
    statuses: list[StatusUpdate] = []
    ignored: list[str] = []
    for entry in entries(payload, INSTAGRAM_OBJECT):
        account_ref = required_text(entry, "id", "instagram entry")
        for change in dicts(entry.get("changes"), "changes"):
            ignored.append(f"instagram:{as_str(change.get('field')) or 'unknown'}")
        if entry.get("standby"):
            ignored.append("instagram:standby")
        for event in dicts(entry.get("messaging"), "messaging"):
            _ig_event(event, account_ref=account_ref, entry_time=entry.get("time"), into=(messages, statuses, ignored))
    return bounded(ParsedWebhook(messages=tuple(messages), statuses=tuple(statuses), ignored=tuple(ignored)))


def _ig_event(
    event: dict[str, Any],
    *,
    account_ref: str,
    entry_time: Any,
    into: tuple[list[InboundMessage], list[StatusUpdate], list[str]],
) -> None:
    messages, statuses, ignored = into
    sender = as_str(obj(event.get("sender")).get("id"))
    recipient = as_str(obj(event.get("recipient")).get("id"))
    stamp = event.get("timestamp", entry_time)
    if "message" in event:
        message = obj(event.get("message"))
        if message.get("is_deleted"):
            ignored.append("instagram:message_deleted")
            return
        messages.append(
            _ig_message(event, message, account_ref=account_ref, sender=sender, recipient=recipient, stamp=stamp)
        )
    elif "reaction" in event:
        messages.append(_ig_reaction(event, account_ref=account_ref, sender=sender, recipient=recipient, stamp=stamp))
    elif "postback" in event:
        messages.append(_ig_postback(event, account_ref=account_ref, sender=sender, recipient=recipient, stamp=stamp))
    elif "read" in event:
        mid = as_str(obj(event.get("read")).get("mid"))
        if not mid:  # old watermark-style receipts carry no message id
            ignored.append("instagram:read")
            return
        statuses.append(
            StatusUpdate(
                provider=Provider.INSTAGRAM,
                account_ref=account_ref,
                external_id=mid,
                status=DeliveryStatus.READ,
                timestamp=milliseconds(stamp, "instagram read"),
                recipient_id=sender,  # the customer who read it
                raw=event,
            )
        )
    else:
        known = next((key for key in _IG_IGNORED_EVENTS if key in event), "")
        other = next((key for key in event if key not in ("sender", "recipient", "timestamp")), "unknown")
        ignored.append(f"instagram:{known or other}")


def _ig_parties(*, account_ref: str, sender: str, recipient: str, is_echo: bool, where: str) -> tuple[str, bool]:
    """(customer id, is_echo): the customer is the recipient when we are the sender."""
    echo = is_echo or (bool(sender) and sender == account_ref)
    customer = recipient if echo else sender
    if not customer:
        raise PayloadError(f"{where} without the customer's id")
    return customer, echo


def _ig_message(
    event: dict[str, Any], message: dict[str, Any], *, account_ref: str, sender: str, recipient: str, stamp: Any
) -> InboundMessage:
    external_id = required_text(message, "mid", "instagram message")
    customer, is_echo = _ig_parties(
        account_ref=account_ref,
        sender=sender,
        recipient=recipient,
        is_echo=message.get("is_echo") is True,
        where="instagram message",
    )
    text = clip(as_str(message.get("text")), INSTAGRAM_TYPED_TEXT_CHARS)
    media: list[MediaRef] = []
    kinds: list[MessageType] = []
    links: list[str] = []
    for attachment in dicts(message.get("attachments"), "attachments"):
        kind = as_str(attachment.get("type"))
        body = obj(attachment.get("payload"))
        url = as_str(body.get("url"))
        if kind in _IG_MEDIA_TYPES and url:
            media.append(MediaRef(url=url))
            kinds.append(_IG_MEDIA_TYPES[kind])
        else:  # share, ig_post, ig_reel, reel, story_mention, story, ig_story, media, fallback...
            links.extend(part for part in (as_str(body.get("title")), url) if part)
    extra: dict[str, Any] = {}
    if message.get("is_unsupported"):
        kind_out = MessageType.UNSUPPORTED
    elif media:
        kind_out = kinds[0]  # several attachments share one message id; they are nearly always one kind
    elif obj(message.get("quick_reply")).get("payload") is not None:
        kind_out = MessageType.INTERACTIVE
        extra["interactive_id"] = as_str(obj(message.get("quick_reply")).get("payload"))
    elif text or links:
        kind_out = MessageType.TEXT
    else:
        kind_out = MessageType.UNSUPPORTED
    return InboundMessage(
        provider=Provider.INSTAGRAM,
        account_ref=account_ref,
        external_id=external_id,
        sender_id=customer,
        timestamp=milliseconds(stamp, "instagram message"),
        type=kind_out,
        text="\n".join(dict.fromkeys(part for part in (text, *links) if part)),
        media=tuple(media),
        reply_to_external_id=as_str(obj(message.get("reply_to")).get("mid")),
        is_echo=is_echo,
        referral=dict(obj(message.get("referral"))),
        raw=event,
        **extra,
    )


def _ig_reaction(event: dict[str, Any], *, account_ref: str, sender: str, recipient: str, stamp: Any) -> InboundMessage:
    """A (un)reaction. Instagram gives it no id of its own, so one is derived from what it targets,
    who reacted and when: stable across Meta's retries, distinct for a later react/unreact."""
    reaction = obj(event.get("reaction"))
    target = required_text(reaction, "mid", "instagram reaction")
    customer, is_echo = _ig_parties(
        account_ref=account_ref, sender=sender, recipient=recipient, is_echo=False, where="instagram reaction"
    )
    timestamp = milliseconds(stamp, "instagram reaction")
    action = as_str(reaction.get("action")) or "react"
    emoji = "" if action == "unreact" else as_str(reaction.get("emoji"))
    return InboundMessage(
        provider=Provider.INSTAGRAM,
        account_ref=account_ref,
        external_id=f"{target}:{action}:{sender}:{as_str(stamp)}",
        sender_id=customer,
        timestamp=timestamp,
        type=MessageType.REACTION,
        reaction_to_external_id=target,
        reaction_emoji=emoji,
        is_echo=is_echo,
        raw=event,
    )


def _ig_postback(event: dict[str, Any], *, account_ref: str, sender: str, recipient: str, stamp: Any) -> InboundMessage:
    """A tap on an ice breaker or a generic-template button: the payload is what we chose, the title what they saw."""
    postback = obj(event.get("postback"))
    customer, is_echo = _ig_parties(
        account_ref=account_ref, sender=sender, recipient=recipient, is_echo=False, where="instagram postback"
    )
    payload_value = as_str(postback.get("payload"))
    mid = as_str(postback.get("mid")) or f"postback:{sender}:{as_str(stamp)}:{payload_value}"
    return InboundMessage(
        provider=Provider.INSTAGRAM,
        account_ref=account_ref,
        external_id=mid,
        sender_id=customer,
        timestamp=milliseconds(stamp, "instagram postback"),
        type=MessageType.INTERACTIVE,
        text=as_str(postback.get("title")),
        interactive_id=payload_value,
        is_echo=is_echo,
        referral=dict(obj(postback.get("referral"))),
        raw=event,
    )
