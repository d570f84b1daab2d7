"""The sandbox (``/sandbox/``): a pretend customer's phone whose lines take the real inbound path.

A visitor says who they are (a phone, a name) and gets a signed session token. What they type is parsed
by ``integrations.sandbox`` into the same ``InboundMessage`` a provider's webhook gives and stored by
``webhook_ingest`` (step 1 of the inbound path); the AI step and the panel follow as for WhatsApp. Our
replies go out through ``SandboxClient``, which reports them delivered through ``sandbox_statuses_report``
(the status-callback path of every provider), and the page reports them read when it shows them.

The token names a channel identity, never a conversation: the page sees the sandbox messages of the
contact behind that identity (``conversations.selectors.sandbox_contact_id``), as a phone shows its chats.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from rest_framework import status

from conversations.sandbox.selectors import sandbox_contact_id, sandbox_refs_unread
from conversations.services.ingest import IngestResult, webhook_ingest
from core.errors import ApplicationError
from core.phones import normalize_phone
from integrations.base import DeliveryStatus, ParsedWebhook, Provider
from integrations.errors import SignatureError
from integrations.limits import NAME_CHARS, TEXT_CHARS
from integrations.sandbox.webhooks import (
    ACCOUNT_REF,
    SandboxInputError,
    SandboxSession,
    TokenExpiredError,
    parse_message,
    parse_read_refs,
    session_name,
    session_sign,
    session_verify,
    status_updates,
)

__all__ = ["SandboxSession", "SandboxTokenError", "sandbox_message_receive", "sandbox_messages_read",
           "sandbox_session_read", "sandbox_session_start", "sandbox_statuses_report"]


class SandboxTokenError(ApplicationError):
    """The page's session token is missing, forged or too old: the visitor chooses the customer again."""

    code = "invalid_token"
    status_code = status.HTTP_403_FORBIDDEN


def _input_error(exc: SandboxInputError) -> ApplicationError:
    messages = {
        "empty_text": _("Write a message."),
        "text_too_long": _("The message is too long: at most %(n)d characters.") % {"n": TEXT_CHARS},
        "name_too_long": _("The name is too long: at most %(n)d characters.") % {"n": NAME_CHARS},
    }
    return ApplicationError(messages.get(exc.code, _("The sandbox could not read that request.")), code=exc.code)


def _token_key() -> bytes:
    return salted_hmac("conversations.sandbox.session", "token-key", algorithm="sha256").digest()


def sandbox_session_start(*, phone: Any, name: Any = "") -> tuple[SandboxSession, str]:
    """Who the visitor will be, and the token that says so. ``InvalidPhoneError`` for a bad number."""
    if not isinstance(phone, str) or not phone.strip():
        raise ApplicationError(_("Write the customer's phone number."), code="invalid_phone")
    e164 = normalize_phone(phone)
    try:
        clean_name = session_name(name)
    except SandboxInputError as exc:
        raise _input_error(exc) from exc
    token = session_sign(SandboxSession(phone=e164, name=clean_name), key=_token_key())
    return sandbox_session_read(token=token), token


def sandbox_session_read(*, token: Any) -> SandboxSession:
    """The session a token names; ``SandboxTokenError`` (403) when it is not one of ours or has expired."""
    try:
        return session_verify(token, key=_token_key(), max_age_seconds=settings.SANDBOX_SESSION_HOURS * 3600)
    except TokenExpiredError as exc:
        raise SandboxTokenError(_("This sandbox session has expired: choose the customer again."),
                                code="expired_token") from exc
    except SignatureError as exc:
        raise SandboxTokenError(_("This sandbox session is not valid: choose the customer again.")) from exc


def sandbox_message_receive(
    *, session: SandboxSession, payload: Mapping[str, Any], headers: dict[str, str] | None = None
) -> IngestResult:
    """The customer typed a line: stored as an inbound webhook event (the task takes it from there).

    A repeated post of the same line (same ``client_id``) is a duplicate and creates nothing new.
    """
    try:
        parsed = parse_message(payload, session=session, account_ref=ACCOUNT_REF, now=timezone.now())
    except SandboxInputError as exc:
        raise _input_error(exc) from exc
    return webhook_ingest(provider=Provider.SANDBOX, parsed=parsed, body=b"", payload=parsed.messages[0].raw,
                          headers=headers or {})


def sandbox_messages_read(*, session: SandboxSession, payload: Mapping[str, Any]) -> int:
    """The page showed these messages of ours: each not read yet goes ``read`` through the status path.

    Only messages sent to this session's contact on the sandbox count; other ids are ignored. Returns how
    many read receipts were stored (a repeated receipt is a duplicate and counts nothing).
    """
    try:
        refs = parse_read_refs(payload)
    except SandboxInputError as exc:
        raise _input_error(exc) from exc
    contact_id = sandbox_contact_id(sender_id=session.sender_id, phone=session.phone)
    owned = sandbox_refs_unread(contact_id=contact_id, refs=refs) if contact_id else []
    if not owned:
        return 0
    parsed = status_updates(owned, status=DeliveryStatus.READ, account_ref=ACCOUNT_REF,
                            recipient_id=session.sender_id, now=timezone.now())
    return sandbox_statuses_report(parsed)


def sandbox_statuses_report(parsed: ParsedWebhook) -> int:
    """``SandboxClient``'s progress reports, stored as a provider's status callbacks are; how many were new."""
    return webhook_ingest(provider=Provider.SANDBOX, parsed=parsed, body=b"", payload={}, headers={}).created
