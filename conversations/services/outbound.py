"""Outbound messages: queued by a person (or the AI), delivered by a task, never sent twice.

- ``message_send`` checks the reply window and queues the message; the send task runs after commit.
- ``message_deliver`` claims the message with a conditional UPDATE (one sender at a time), calls the
  provider outside any transaction, and records the outcome:
  transient error (not processed) -> back to pending for a jittered retry (at most SEND_MAX_RETRIES);
  ambiguous (timeout after the request went out) -> "unknown", flagged for the agent, never resent;
  permanent error -> failed with the provider's code.
"""

from __future__ import annotations

import logging
import mimetypes
import os
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from conversations.events import publish_message_event, publish_message_with_conversation
from conversations.models import (
    INSTAGRAM_HUMAN_AGENT_WINDOW,
    Conversation,
    Message,
    MessageTemplate,
)
from conversations.selectors import channel_account_cached
from conversations.services.accounts import client_for_account
from conversations.services.inbound import STATUS_RANK, statuses_apply_waiting
from core import events, ratelimit
from core.errors import ApplicationError
from core.media import media_signed_query, public_base_url_is_local
from core.prepared import PreparedQuery, insert_rows, save_fields
from integrations.base import Button, ListRow, Location, MessageType, Provider, SendResult
from integrations.errors import AmbiguousError, PermanentError, TransientError

logger = logging.getLogger(__name__)


class WindowClosedError(ApplicationError):
    code = "window_closed"


class RateLimitedError(TransientError):
    """Our own per-sender budget is spent for this second."""


@dataclass(frozen=True)
class DeliveryOutcome:
    state: str  # "sent" | "failed" | "retry" | "unknown" | "skipped"
    retry_after: float | None = None


def _template_options(conversation: Conversation) -> list[dict[str, object]]:
    return [
        {"id": t.pk, "name": t.name, "language": t.language, "body": t.body, "variables": t.variable_count}
        for t in MessageTemplate.objects.filter(channel_account=conversation.channel_account, is_active=True)
    ]


def _check_window(*, conversation: Conversation, human: bool) -> bool:
    """Raise ``WindowClosedError`` when free text may not be sent; return whether HUMAN_AGENT applies."""
    now = timezone.now()
    if conversation.window_open(now):
        return False
    provider = conversation.channel_account.provider
    if (
        provider == Provider.INSTAGRAM
        and human
        and conversation.last_inbound_at
        and now - conversation.last_inbound_at < INSTAGRAM_HUMAN_AGENT_WINDOW
    ):
        return True
    if provider == Provider.INSTAGRAM:
        raise WindowClosedError(
            _("More than 24 hours (7 days for a person) passed since the customer's last message on Instagram; "
              "wait until they write again.")
        )
    raise WindowClosedError(
        _("More than 24 hours passed since the customer's last message: WhatsApp only accepts an approved "
          "template now."),
        extra={"templates": _template_options(conversation)},
    )


@transaction.atomic
def message_send(
    *,
    conversation: Conversation,
    text: str = "",
    actor: User | None = None,
    sender: str = Message.Sender.AGENT,
    template: MessageTemplate | None = None,
    variables: list[str] | None = None,
    document: File | None = None,
    filename: str = "",
    media_kind: str = Message.Type.DOCUMENT,
    buttons: Sequence[Button] = (),
    rows: Sequence[ListRow] = (),
    list_button: str = "",
    list_section: str = "",
    location: Location | None = None,
) -> Message:
    """Queue a message to the customer of ``conversation`` and send it after commit.

    With ``document`` (a file, e.g. a PDF quote) the message carries it as media of ``media_kind``
    and ``text`` is its caption; the provider fetches it from ``PUBLIC_BASE_URL`` + the media URL.
    Rich content: ``buttons`` (reply buttons) or ``rows`` (a list opened by ``list_button``) after the
    ``text``, or a ``location`` pin (``text`` then only names it). Each channel sends what it supports and
    words the rest (numbered options, a map link); the customer's choice comes back with the option's id.
    """
    conversation = (
        Conversation.objects.select_for_update(of=("self",)).select_related("assignee").get(pk=conversation.pk)
    )
    conversation.channel_account = channel_account_cached(conversation.channel_account_id)
    text = text.strip()
    variables = [str(v) for v in variables or []]
    if template is None and not text and document is None:
        raise ApplicationError(_("Write a message."), code="empty_message")
    if document is not None and template is not None:
        raise ApplicationError(_("A template cannot carry a file."), code="invalid_template")
    rich = _rich_payload(buttons=buttons, rows=rows, list_button=list_button, list_section=list_section)
    if (rich or location is not None) and (template is not None or document is not None):
        raise ApplicationError(_("Options and locations go in a message of their own."), code="invalid_rich")
    if rich and not text:
        raise ApplicationError(_("Write a message."), code="empty_message")
    human_agent = False
    if template is None:
        human_agent = _check_window(conversation=conversation, human=sender == Message.Sender.AGENT)
    else:
        if template.channel_account_id != conversation.channel_account_id or not template.is_active:
            raise ApplicationError(_("That template is not available on this number."), code="invalid_template")
        if len(variables) != template.variable_count:
            raise ApplicationError(
                ngettext("The template needs %(n)d value.", "The template needs %(n)d values.", template.variable_count)
                % {"n": template.variable_count},
                code="invalid_template",
            )
        text = _render_template(template.body, variables)
    message = Message(
        conversation=conversation,
        channel_account=conversation.channel_account,
        direction=Message.Direction.OUT,
        sender=sender,
        author=actor,
        type=_message_type(template=template, document=document, media_kind=media_kind, rich=rich,
                           location=location),
        text=text,
        payload=rich,
        location=_location_payload(location),
        template=template,
        template_variables=variables,
        status=Message.Status.QUEUED,
        send_state=Message.SendState.PENDING,
        ai_flags={"human_agent_tag": True} if human_agent else {},
    )
    if document is not None:
        name = filename or os.path.basename(getattr(document, "name", "") or "") or "document"
        message.media_mime = mimetypes.guess_type(name)[0] or "application/octet-stream"
        message.media_size = document.size
        message.media_state = Message.MediaState.STORED
        message.media_ref = {"filename": name}
        # A random part in the stored name: media URLs are public for the provider to fetch.
        stem, ext = os.path.splitext(name)
        message.media.save(f"{stem}-{secrets.token_hex(8)}{ext}", document, save=False)
    insert_rows(message)
    now = timezone.now()
    conversation.last_outbound_at = now
    conversation.last_message_at = now
    conversation.last_message_preview = (text or message.get_type_display())[:140]
    update = ["last_outbound_at", "last_message_at", "last_message_preview", "updated_at"]
    if sender in (Message.Sender.AGENT, Message.Sender.AI):
        # A reply (not a system notice such as an out-of-office answer or a survey) stops the waiting clock.
        conversation.first_response_at = conversation.first_response_at or now
        conversation.waiting_since = None
        update += ["first_response_at", "waiting_since"]
    if sender == Message.Sender.AGENT:
        conversation.first_agent_reply_at = conversation.first_agent_reply_at or now
        update.append("first_agent_reply_at")
        conversation.unread_count = 0
        update.append("unread_count")
    save_fields(conversation, update)
    publish_message_with_conversation(message, conversation)
    from conversations.tasks import send_message

    transaction.on_commit(lambda: send_message.delay(message.pk))
    return message


def _rich_payload(*, buttons: Sequence[Button], rows: Sequence[ListRow], list_button: str,
                  list_section: str = "") -> dict[str, Any]:
    if buttons and rows:
        raise ApplicationError(_("Send buttons or a list, not both."), code="invalid_rich")
    if buttons:
        return {"buttons": [{"id": b.id, "title": b.title} for b in buttons]}
    if rows:
        listed: dict[str, Any] = {
            "button": list_button or "Ver opciones",
            "rows": [{"id": r.id, "title": r.title, "description": r.description} for r in rows],
        }
        if list_section:
            listed["section"] = list_section
        return {"list": listed}
    return {}


def _location_payload(location: Location | None) -> dict[str, Any]:
    if location is None:
        return {}
    return {k: v for k, v in {"latitude": location.latitude, "longitude": location.longitude,
                              "name": location.name, "address": location.address}.items() if v not in ("", None)}


def _message_type(*, template: MessageTemplate | None, document: File | None, media_kind: str,
                  rich: dict[str, Any], location: Location | None) -> str:
    if template is not None:
        return Message.Type.TEMPLATE
    if document is not None:
        return media_kind
    if rich:
        return Message.Type.INTERACTIVE
    if location is not None:
        return Message.Type.LOCATION
    return Message.Type.TEXT


def _render_template(body: str, variables: list[str]) -> str:
    for index, value in enumerate(variables, start=1):
        body = body.replace(f"{{{{{index}}}}}", value)
    return body


def _finish(message_id: int, **changes: object) -> Message:
    with transaction.atomic():
        message = (
            Message.objects.select_for_update(of=("self",)).select_related("conversation__assignee")  # its audience
            .get(pk=message_id)
        )
        for field, value in changes.items():
            setattr(message, field, value)
        message.save(update_fields=[*changes, "updated_at"])
        publish_message_event(message, "message.updated")
    return message


def _recipient(message: Message) -> str:
    contact = message.conversation.contact
    if message.channel_account.provider == Provider.INSTAGRAM:
        return contact.instagram_id
    return contact.whatsapp_id or contact.phone


def _call_provider(message: Message) -> SendResult:
    client = client_for_account(message.channel_account)
    try:
        to = _recipient(message)
        if message.template_id:
            return client.send_template(
                to=to, template=message.template.name, language=message.template.language,
                variables=message.template_variables,
            )
        if message.media and message.type in _MEDIA_TYPES:
            return _send_media(client, message, to)
        rich = _send_rich(client, message, to)
        if rich is not None:
            return rich
        reply_to = message.reply_to.provider_message_id if message.reply_to_id else ""
        return client.send_text(
            to=to, body=message.text, reply_to=reply_to, human_agent=bool(message.ai_flags.get("human_agent_tag"))
        )
    finally:
        close = getattr(client, "close", None)
        if close:
            close()


_MEDIA_TYPES = frozenset({Message.Type.DOCUMENT, Message.Type.IMAGE, Message.Type.VIDEO, Message.Type.AUDIO})


def media_public_url(message: Message) -> str:
    """The absolute URL a provider fetches the media from.

    Storages with their own host (S3) give a presigned URL. A file on the local disk is served by the
    app only to people allowed to see it, so the provider gets a link signed for that file, which
    expires; and the link must be one the provider can reach, not ``127.0.0.1``.
    """
    url = message.media.url
    if url.startswith(("http://", "https://")):
        return url
    if public_base_url_is_local():
        raise PermanentError(
            "PUBLIC_BASE_URL points at this machine; the provider cannot fetch the file from it",
            code="media_url_local",
        )
    return f"{settings.PUBLIC_BASE_URL}{url}?{media_signed_query(message.media.name)}"


def _send_media(client: object, message: Message, to: str) -> SendResult:
    # The sandbox's pretend phone shows the file's name and never fetches it: no public link is made for it.
    on_sandbox = message.channel_account.provider == Provider.SANDBOX
    kwargs: dict[str, object] = {
        "to": to, "url": "" if on_sandbox else media_public_url(message), "kind": MessageType(message.type),
        "filename": message.media_ref.get("filename", ""),
    }
    if message.channel_account.provider == Provider.INSTAGRAM:
        # Instagram attachments take no caption; the human-agent tag keeps the 7-day window.
        kwargs["human_agent"] = bool(message.ai_flags.get("human_agent_tag"))
    else:
        kwargs["caption"] = message.text
    return client.send_media(**kwargs)  # type: ignore[attr-defined]


def _send_rich(client: object, message: Message, to: str) -> SendResult | None:
    """Buttons, a list or a location pin, through the client (which words what its channel lacks)."""
    extra: dict[str, object] = {}
    if message.channel_account.provider == Provider.INSTAGRAM:
        extra["human_agent"] = bool(message.ai_flags.get("human_agent_tag"))
    try:
        return _send_rich_checked(client, message, to, extra)
    except ValueError as exc:  # options over the channel's limits: refused before anything was sent
        raise PermanentError(f"rich message refused: {exc}", code="invalid_content") from exc


def _send_rich_checked(client: object, message: Message, to: str, extra: dict[str, object]) -> SendResult | None:
    payload = message.payload or {}
    if message.type == Message.Type.INTERACTIVE and payload.get("buttons"):
        buttons = [Button(str(b["id"]), str(b["title"])) for b in payload["buttons"]]
        return client.send_buttons(to=to, body=message.text, buttons=buttons, **extra)  # type: ignore[attr-defined]
    if message.type == Message.Type.INTERACTIVE and payload.get("list"):
        listed = payload["list"]
        rows = [ListRow(str(r["id"]), str(r["title"]), str(r.get("description") or "")) for r in listed["rows"]]
        return client.send_list(  # type: ignore[attr-defined]
            to=to, body=message.text, button=str(listed.get("button") or ""), rows=rows,
            section=str(listed.get("section") or ""), **extra)
    if message.type == Message.Type.LOCATION and message.location:
        place = message.location
        return client.send_location(  # type: ignore[attr-defined]
            to=to, latitude=float(place["latitude"]), longitude=float(place["longitude"]),
            name=str(place.get("name") or ""), address=str(place.get("address") or ""), **extra)
    return None


_ECHOES: PreparedQuery[int] = PreparedQuery(
    lambda account_id, external_id, message_id: Message.objects.filter(
        channel_account_id=account_id, provider_message_id=external_id, is_echo=True)
    .exclude(pk=message_id).values_list("pk", flat=True))


def message_deliver(*, message_id: int) -> DeliveryOutcome:
    """Hand one queued message to its provider. Safe under redelivery: only a pending message is sent."""
    claimed = Message.objects.filter(pk=message_id, send_state=Message.SendState.PENDING).update(
        send_state=Message.SendState.IN_FLIGHT, send_attempts=F("send_attempts") + 1, updated_at=timezone.now()
    )
    if not claimed:
        return DeliveryOutcome(state="skipped")
    message = Message.objects.select_related("conversation__contact", "template", "reply_to").get(pk=message_id)
    message.channel_account = channel_account_cached(message.channel_account_id)
    account = message.channel_account
    rate = settings.SEND_RATE_PER_SECOND.get(account.provider, 10)
    try:
        if not ratelimit.acquire(f"send:{account.pk}", per_second=rate):
            raise RateLimitedError("per-sender send budget spent", retry_after=1.0)
        result = _call_provider(message)
    except TransientError as exc:
        if message.send_attempts >= settings.SEND_MAX_RETRIES:
            _finish(message_id, send_state=Message.SendState.DONE, status=Message.Status.FAILED,
                    error_code=exc.code or "retries_exhausted", error_message=exc.message,
                    failed_at=timezone.now())
            return DeliveryOutcome(state="failed")
        _finish(message_id, send_state=Message.SendState.PENDING, error_message=exc.message)
        return DeliveryOutcome(state="retry", retry_after=exc.retry_after)
    except AmbiguousError as exc:
        logger.warning("send of message %s is ambiguous: %s", message_id, type(exc).__name__)
        _finish(message_id, send_state=Message.SendState.UNKNOWN, error_code="timeout",
                error_message=_("The provider did not answer in time; the message may or may not have been "
                                "delivered. Check with the customer before sending it again."))
        if Conversation.objects.filter(pk=message.conversation_id, needs_human=False).update(
                needs_human=True, escalated_at=timezone.now(), escalation_reason="send_unknown"):
            events.emit("conversation.escalated", conversation_id=message.conversation_id, reason="send_unknown")
        return DeliveryOutcome(state="unknown")
    except PermanentError as exc:
        reasons = {
            "not_configured": _("This channel has no provider credentials configured (admin → Channel accounts)."),
            "media_url_local": _("The provider cannot download the file from this CRM: PUBLIC_BASE_URL "
                                       "must be its public address."),
        }
        reason = reasons.get(exc.code, exc.message)
        _finish(message_id, send_state=Message.SendState.DONE, status=Message.Status.FAILED,
                error_code=exc.code, error_message=reason, failed_at=timezone.now())
        return DeliveryOutcome(state="failed")
    with transaction.atomic():
        # An Instagram echo of this very send may have arrived first: ours is the real row. Looked for by id first:
        # deleting reads the whole rows (for what cascades), and there is seldom any.
        echoes = _ECHOES.all(account_id=account.pk, external_id=result.external_id, message_id=message_id)
        if echoes:
            Message.objects.filter(pk__in=echoes).delete()
        message = Message.objects.select_for_update().get(pk=message_id)
        message.provider_message_id = result.external_id
        message.send_state = Message.SendState.DONE
        message.error_message = ""
        if STATUS_RANK[result.status] > STATUS_RANK.get(message.status, 0) and message.status != Message.Status.FAILED:
            message.status = result.status
        if message.status != Message.Status.QUEUED:
            message.sent_at = message.sent_at or timezone.now()
        save_fields(message, ["provider_message_id", "send_state", "error_message", "status", "sent_at",
                              "updated_at"])
        publish_message_event(message, "message.updated")
        statuses_apply_waiting(provider=account.provider, external_id=result.external_id)
    return DeliveryOutcome(state="sent")


def message_retry(*, actor: User, message: Message) -> Message:
    """An agent resends a failed (or unknown) message as a new one."""
    if message.direction != Message.Direction.OUT or message.status not in (
        Message.Status.FAILED, Message.Status.QUEUED
    ):
        raise ApplicationError(_("Only a failed message can be sent again."), code="not_failed")
    media = message.media if message.media and message.type in _MEDIA_TYPES else None
    payload = message.payload or {}
    place = message.location if message.type == Message.Type.LOCATION and message.location else None
    return message_send(conversation=message.conversation, text=message.text, actor=actor,
                        template=message.template, variables=message.template_variables,
                        document=media, filename=message.media_ref.get("filename", "") if media else "",
                        media_kind=message.type,
                        buttons=[Button(str(b["id"]), str(b["title"])) for b in payload.get("buttons") or []],
                        rows=[ListRow(str(r["id"]), str(r["title"]), str(r.get("description") or ""))
                              for r in (payload.get("list") or {}).get("rows") or []],
                        list_button=str((payload.get("list") or {}).get("button") or ""),
                        list_section=str((payload.get("list") or {}).get("section") or ""),
                        location=Location(float(place["latitude"]), float(place["longitude"]),
                                          str(place.get("name") or ""), str(place.get("address") or ""))
                        if place else None)
