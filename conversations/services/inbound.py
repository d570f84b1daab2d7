"""Step 2 of the inbound path: a stored webhook event becomes contact, conversation and message.

Idempotent: the event row is locked while it is processed and marked processed at the end; the
message is unique per (account, provider id). Media is downloaded outside any transaction, and the
event counts as processed only once the file is in our storage.
"""

from __future__ import annotations

import errno
import logging
import re
from dataclasses import dataclass
from pathlib import PurePosixPath

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from conversations.events import publish_message_event, publish_message_with_conversation
from conversations.models import Conversation, Message, WebhookEvent
from conversations.services.accounts import AccountRef, channel_account_for_event, client_for_account
from conversations.services.choices import reply_match
from core import events
from core.phones import provider_phone
from core.prepared import PreparedQuery, insert_rows, save_fields
from integrations.base import (
    DeliveryStatus,
    InboundMessage,
    MediaRef,
    MessageType,
    StatusUpdate,
    event_from_dict,
)
from integrations.errors import MediaTooLargeError, PermanentError, UnsupportedMediaError
from integrations.media import media_extension
from leads.services import contact_upsert_from_channel, lead_touch_for_conversation

logger = logging.getLogger(__name__)

MEDIA_TYPES = {MessageType.IMAGE, MessageType.AUDIO, MessageType.VIDEO, MessageType.DOCUMENT, MessageType.STICKER}
STATUS_RANK = {
    Message.Status.QUEUED: 0,
    Message.Status.SENT: 1,
    Message.Status.DELIVERED: 2,
    Message.Status.READ: 3,
}
OPEN_STATES = (Conversation.Status.OPEN, Conversation.Status.PENDING, Conversation.Status.SNOOZED)


# ``Message.error_code`` of a file downloaded but not kept by our storage (a full disk): its media shows
# failed with the reason, and the event's task fetches it again later (``MediaStoreError``).
MEDIA_STORE_FAILED = "media_store_failed"


class MediaStoreError(Exception):
    """Our storage could not keep a downloaded file (``OSError``: no space left, quota, I/O): try again later."""

    retry_after: float | None = None


def media_to_fetch(message: Message) -> bool:
    """The file is still to be brought: never fetched yet, or fetched but not kept by our storage."""
    return message.media_state == Message.MediaState.PENDING or (
        message.media_state == Message.MediaState.FAILED and message.error_code == MEDIA_STORE_FAILED
    )


@dataclass(frozen=True)
class ProcessResult:
    state: str
    message_id: int | None = None


def _mark(event: WebhookEvent, state: str, error: str = "") -> None:
    event.state = state
    event.last_error = error[:2000]
    event.processed_at = timezone.now() if state in (WebhookEvent.State.PROCESSED, WebhookEvent.State.IGNORED) else None
    save_fields(event, ["state", "last_error", "processed_at", "attempts"])


_EVENT_FIELDS = ("state", "attempts", "normalized", "last_error", "processed_at")
# What processing needs of an event, locked (the raw payload and headers stay in the database).
_EVENT: PreparedQuery[WebhookEvent] = PreparedQuery(
    lambda pk: WebhookEvent.objects.select_for_update().only(*_EVENT_FIELDS).filter(pk=pk))


def webhook_event_process(*, event_id: int) -> ProcessResult:
    """Process one stored event; safe to call again for the same event (redelivery, replay)."""
    with transaction.atomic():
        event = _EVENT.get(pk=event_id)
        if event.state in (WebhookEvent.State.PROCESSED, WebhookEvent.State.IGNORED):
            return ProcessResult(state=event.state)
        event.attempts += 1
        item = event_from_dict(event.normalized)
        if isinstance(item, StatusUpdate):
            message = message_status_apply(update=item)
            _mark(event, WebhookEvent.State.PROCESSED if message else WebhookEvent.State.WAITING)
            return ProcessResult(state=event.state, message_id=message.pk if message else None)
        message = inbound_message_record(event=item)
        if not media_to_fetch(message):
            _mark(event, WebhookEvent.State.PROCESSED)
            return ProcessResult(state=event.state, message_id=message.pk)
        save_fields(event, ["attempts"])
    # Network I/O outside the transaction; errors propagate to the task, which retries.
    message_media_fetch(message_id=message.pk)
    with transaction.atomic():
        event = WebhookEvent.objects.select_for_update().get(pk=event_id)
        _mark(event, WebhookEvent.State.PROCESSED)
    return ProcessResult(state=WebhookEvent.State.PROCESSED, message_id=message.pk)


def webhook_event_record_failure(*, event_id: int, error: str) -> None:
    with transaction.atomic():
        event = WebhookEvent.objects.select_for_update().get(pk=event_id)
        if event.state != WebhookEvent.State.PROCESSED:
            _mark(event, WebhookEvent.State.FAILED, error)


#: The contact's ongoing conversation on an account, locked, with its assignee (who hears its events).
_OPEN_CONVERSATION: PreparedQuery[Conversation] = PreparedQuery(
    lambda account_id, contact_id: Conversation.objects.select_for_update(of=("self",)).select_related("assignee")
    .filter(channel_account_id=account_id, contact_id=contact_id, status__in=OPEN_STATES).order_by("-pk")[:1])


#: A message already stored under the provider's id (any one: no ORDER BY to sort).
_EXISTING_MESSAGE: PreparedQuery[int] = PreparedQuery(
    lambda account_id, external_id: Message.objects.filter(channel_account_id=account_id,
                                                           provider_message_id=external_id)
    .order_by().values_list("pk", flat=True)[:1])


def _conversation_for(account: AccountRef, contact_id: int) -> tuple[Conversation, bool]:
    """The contact's ongoing conversation on this account, or a new one when the last was resolved."""
    conversation = _OPEN_CONVERSATION.first(account_id=account.pk, contact_id=contact_id)
    if conversation is not None:
        return conversation, False
    return Conversation.objects.create(channel_account_id=account.pk, contact_id=contact_id), True


def inbound_message_record(*, event: InboundMessage) -> Message:
    """Create the message of ``event`` (or return it if it exists), with its contact and conversation.

    Must run inside a transaction: the contact row is locked first, so concurrent messages of one
    person (ten photos at once) queue up and share one conversation, and a redelivered message is
    found by the check that follows the lock.
    """
    account = channel_account_for_event(provider=event.provider, account_ref=event.account_ref)
    # The provider's number as E.164; one phonenumbers does not know is kept as written, never dropped.
    phone = provider_phone(event.sender_phone)
    contact = contact_upsert_from_channel(
        channel=account.channel, channel_id=event.sender_id, phone=phone, name=event.sender_name,
        username=event.sender_username,
    )
    existing = _EXISTING_MESSAGE.all(account_id=account.pk, external_id=event.external_id)
    if existing:  # a redelivery after a failed media download, or the echo of our own send
        return Message.objects.get(pk=existing[0])
    conversation, is_new = _conversation_for(account, contact.pk)
    reply_to = None
    target = event.reaction_to_external_id or event.reply_to_external_id
    if target:
        reply_to = Message.objects.filter(channel_account_id=account.pk, provider_message_id=target).first()
    media = event.media[0] if event.media else None
    kind, text, interactive_id, payload = event.type, _message_text(event, media), event.interactive_id, {}
    if not event.is_echo and (event.interactive_id or (not is_new and event.type == MessageType.TEXT)):
        # A tap on our buttons or list, or "1" / the option's words typed back: the same structured answer.
        choice = reply_match(conversation=conversation, text=text, interactive_id=event.interactive_id)
        if choice is not None:
            kind, text, interactive_id = MessageType.INTERACTIVE, choice.title, choice.id
            payload = {"reply": {"id": choice.id, "title": choice.title,
                                 **({"typed": choice.typed} if choice.typed else {})}}
    message = Message(
        conversation=conversation,
        channel_account_id=account.pk,
        direction=Message.Direction.OUT if event.is_echo else Message.Direction.IN,
        sender=Message.Sender.AGENT if event.is_echo else Message.Sender.CUSTOMER,
        type=kind,
        text=text,
        payload=payload,
        media_state=Message.MediaState.PENDING if media and event.type in MEDIA_TYPES else "",
        media_ref=_media_ref_dict(media) if media else {},
        media_mime=media.mime_type if media else "",
        location=_location_dict(event),
        interactive_id=interactive_id,
        provider_message_id=event.external_id,
        reply_to=reply_to,
        reply_to_external_id=target,
        status=Message.Status.SENT if event.is_echo else Message.Status.RECEIVED,
        send_state=Message.SendState.DONE if event.is_echo else "",
        sent_at=event.timestamp if event.is_echo else None,
        provider_timestamp=event.timestamp,
        is_echo=event.is_echo,
        ai_flags={"forwarded": True} if event.is_forwarded else {},
    )
    insert_rows(message)
    fields = _conversation_touch(conversation, message, event)
    if not event.is_echo and (is_new or conversation.lead_id is None):
        # A conversation keeps the lead it has; a new one (or one without) takes the contact's open lead.
        lead = lead_touch_for_conversation(contact=contact, new_conversation=is_new)
        if lead is not None and conversation.lead_id != lead.pk:
            conversation.lead = lead
            fields.append("lead")
    save_fields(conversation, fields)
    publish_message_with_conversation(message, conversation, status_changed="status" in fields)
    if is_new:
        events.emit("conversation.created", conversation_id=conversation.pk)
    if not event.is_echo and event.type != MessageType.REACTION:
        _announce_received(message)
    return message


def _message_text(event: InboundMessage, media: MediaRef | None) -> str:
    if event.type == MessageType.REACTION:
        return event.reaction_emoji
    return event.text or (media.caption if media else "")


def _announce_received(message: Message) -> None:
    """The next steps subscribe to ``message.received`` (a quote accepted, the AI step: DESIGN step 3)."""
    events.emit("message.received", message_id=message.pk, conversation_id=message.conversation_id,
                text=message.text, interactive_id=message.interactive_id)


def _conversation_touch(conversation: Conversation, message: Message, event: InboundMessage) -> list[str]:
    """Set the conversation's activity fields from ``message``; returns the fields to save."""
    at = event.timestamp
    fields = ["last_message_at", "last_message_preview", "updated_at"]
    conversation.last_message_at = max(filter(None, [conversation.last_message_at, at]))
    conversation.last_message_preview = (message.text or message.get_type_display())[:140]
    if event.is_echo:
        # Written from the phone or the provider's app: a person's reply all the same.
        conversation.last_outbound_at = max(filter(None, [conversation.last_outbound_at, at]))
        conversation.first_response_at = conversation.first_response_at or at
        conversation.first_agent_reply_at = conversation.first_agent_reply_at or at
        conversation.waiting_since = None
        fields += ["last_outbound_at", "first_response_at", "first_agent_reply_at", "waiting_since"]
    else:
        conversation.last_inbound_at = max(filter(None, [conversation.last_inbound_at, at]))
        conversation.waiting_since = conversation.waiting_since or at
        conversation.unread_count += 1
        fields += ["last_inbound_at", "waiting_since", "unread_count"]
        if conversation.status in (Conversation.Status.SNOOZED, Conversation.Status.PENDING):
            conversation.status = Conversation.Status.OPEN
            conversation.snoozed_until = None
            fields += ["status", "snoozed_until"]
    return fields


def _media_ref_dict(media: MediaRef) -> dict[str, object]:
    return {k: v for k, v in media.__dict__.items() if v not in ("", False)}


def _location_dict(event: InboundMessage) -> dict[str, object]:
    if event.location is None:
        return {}
    return {k: v for k, v in event.location.__dict__.items() if v not in ("", None)}


def message_media_fetch(*, message_id: int) -> Message:
    """Download the message's file into our storage (once). Too large: a clear state, not a retry loop.

    When the storage cannot keep the file (a full disk), the message stays, its media is marked failed with
    the reason, and ``MediaStoreError`` tells the task to fetch it again later.
    """
    message = Message.objects.select_related("channel_account").get(pk=message_id)
    if not media_to_fetch(message):
        return message
    ref = MediaRef(**message.media_ref)
    client = client_for_account(message.channel_account)
    try:
        downloaded = client.download_media(ref, kind=MessageType(message.type))
    except MediaTooLargeError as exc:
        return _media_final(message_id, Message.MediaState.TOO_LARGE, str(exc))
    except UnsupportedMediaError as exc:
        error = _("The customer sent a file of type %(type)s, which is not accepted: it was not kept.") % {
            "type": exc.mime_type or _("unknown")}
        return _media_final(message_id, Message.MediaState.UNSUPPORTED, error, code=exc.code)
    except PermanentError as exc:
        return _media_final(message_id, Message.MediaState.FAILED, str(exc), code=exc.code)
    finally:
        close = getattr(client, "close", None)
        if close:
            close()
    name = _storage_name(downloaded.filename, downloaded.mime_type,
                         fallback=message.provider_message_id[-24:] or str(message.pk))
    try:
        with transaction.atomic():
            message = Message.objects.select_for_update().get(pk=message_id)
            if media_to_fetch(message):
                message.media.save(name, ContentFile(downloaded.content), save=False)
                message.media_mime = downloaded.mime_type or message.media_mime
                message.media_size = downloaded.size
                message.media_state = Message.MediaState.STORED
                message.error_code = message.error_message = ""  # a failed try before this one
                message.save(update_fields=["media", "media_mime", "media_size", "media_state", "error_code",
                                            "error_message", "updated_at"])
                publish_message_event(message, "message.updated")
                if message.type == MessageType.AUDIO and message.direction == Message.Direction.IN:
                    # A voice note is analysed once its file is here (transcription needs it).
                    _announce_received(message)
    except OSError as exc:
        logger.warning("media of message %s not stored: %s", message_id, exc)
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            reason = _("There was no space left to keep the file; it will be downloaded again.")
        else:
            reason = _("The file could not be kept (%(error)s); it will be downloaded again.") % {
                "error": exc.strerror or type(exc).__name__}
        _media_final(message_id, Message.MediaState.FAILED, reason, code=MEDIA_STORE_FAILED)
        raise MediaStoreError(f"{type(exc).__name__}: {exc}") from exc
    return message


_UNSAFE_NAME = re.compile(r"[^\w.-]+")


def _storage_name(filename: str, mime: str, *, fallback: str) -> str:
    """A file name of our own: the customer's name without its folders or extension, cleaned, and the
    extension of its accepted type, so the file is never served as something else (``.html``)."""
    stem = PurePosixPath(filename.replace("\\", "/")).name.rsplit(".", 1)[0] if filename else ""
    stem = _UNSAFE_NAME.sub("_", stem).strip("._")[:80] or _UNSAFE_NAME.sub("_", fallback).strip("._") or "media"
    return f"{stem}{media_extension(mime)}"


def _media_final(message_id: int, state: str, error: str, *, code: str = "") -> Message:
    with transaction.atomic():
        message = Message.objects.select_for_update().get(pk=message_id)
        message.media_state = state
        message.error_message = error[:500]
        message.error_code = code[:20]
        message.save(update_fields=["media_state", "error_message", "error_code", "updated_at"])
        publish_message_event(message, "message.updated")
    return message


def message_status_apply(*, update: StatusUpdate) -> Message | None:
    """Move our message along sent → delivered → read (never back); failed wins. None if not ours yet."""
    message = (
        Message.objects.select_for_update(of=("self",))
        .select_related("conversation__assignee")  # who hears the update
        .filter(channel_account__provider=update.provider, provider_message_id=update.external_id,
                direction=Message.Direction.OUT)
        .first()
    )
    if message is None:
        return None
    at = update.timestamp
    stamp_field = {
        DeliveryStatus.SENT: "sent_at",
        DeliveryStatus.DELIVERED: "delivered_at",
        DeliveryStatus.READ: "read_at",
        DeliveryStatus.FAILED: "failed_at",
    }.get(update.status)
    fields = {"updated_at"}
    if stamp_field and getattr(message, stamp_field) is None:
        setattr(message, stamp_field, at)
        fields.add(stamp_field)
    if update.status == DeliveryStatus.FAILED:
        message.status = Message.Status.FAILED
        message.error_code = update.error_code
        message.error_message = update.error_message[:2000]
        fields |= {"status", "error_code", "error_message"}
    elif (
        message.status != Message.Status.FAILED
        and STATUS_RANK.get(update.status, -1) > STATUS_RANK.get(message.status, -1)
    ):
        message.status = update.status
        message.status_timestamp = at
        fields |= {"status", "status_timestamp"}
    message.save(update_fields=sorted(fields))
    publish_message_event(message, "message.updated")
    return message


def statuses_apply_waiting(*, provider: str, external_id: str) -> int:
    """Statuses that arrived before our send call returned: apply them now that the id is known."""
    from conversations.tasks import process_webhook_event

    waiting = list(
        WebhookEvent.objects.filter(
            provider=provider, kind=WebhookEvent.Kind.STATUS, ref_id=external_id, state=WebhookEvent.State.WAITING
        ).values_list("pk", flat=True)
    )
    for event_id in waiting:
        transaction.on_commit(lambda event_id=event_id: process_webhook_event.delay(event_id))
    return len(waiting)

