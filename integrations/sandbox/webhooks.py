"""The sandbox page's posts, read as a provider's webhooks are: check the credential, parse, normalise.

The credential is a session token the server signed when the customer said who they are (a phone and a
name): ``v1.<payload>.<signature>``, the payload a base64url JSON object, the signature an HMAC-SHA256 of
``v1.<payload>`` with a key the caller derives from its secret. It names a channel identity only (the
phone, as WhatsApp's ``wa_id``), never a conversation: what it may see is decided by the caller.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from integrations.base import (
    DeliveryStatus,
    InboundMessage,
    MessageType,
    ParsedWebhook,
    Provider,
    StatusUpdate,
)
from integrations.errors import PayloadError, SignatureError
from integrations.limits import NAME_CHARS, TEXT_CHARS, bounded
from integrations.sanitize import clean_text

ACCOUNT_REF = "sandbox"  # the one sandbox account's ``account_ref``
INBOUND_PREFIX = "sbx-in-"  # provider ids of the customer's lines: prefix + the page's client id
OUTBOUND_PREFIX = "sbx-out-"  # provider ids of our sends: prefix + a random hex
TOKEN_VERSION = "v1"  # noqa: S105 - the format's version, not a secret
CLOCK_SKEW_SECONDS = 60
MAX_READ_REFS = 100

_CLIENT_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
_OUTBOUND_REF = re.compile(rf"^{re.escape(OUTBOUND_PREFIX)}[0-9a-f]{{32}}$")


class SandboxInputError(PayloadError):
    """A post the page should not have sent; ``code`` says which rule it broke (the caller words it)."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.code = code


class TokenExpiredError(SignatureError):
    """A session token that was good once and is too old now: the customer starts again."""


@dataclass(frozen=True)
class SandboxSession:
    """Who the sandbox customer is: a phone in E.164 and the name they gave."""

    phone: str
    name: str = ""
    issued_at: int = 0

    @property
    def sender_id(self) -> str:
        """The customer's id on the channel, as WhatsApp's ``wa_id``: the phone's digits."""
        return self.phone.lstrip("+")


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(key: bytes, signed: str) -> str:
    return _b64encode(hmac.new(key, signed.encode("ascii"), hashlib.sha256).digest())


def session_sign(session: SandboxSession, *, key: bytes, now: float | None = None) -> str:
    """The token that names ``session``; ``issued_at`` is set to ``now``."""
    issued_at = int(time.time() if now is None else now)
    payload = json.dumps({"p": session.phone, "n": session.name, "t": issued_at}, separators=(",", ":"),
                         ensure_ascii=False)
    signed = f"{TOKEN_VERSION}.{_b64encode(payload.encode())}"
    return f"{signed}.{_signature(key, signed)}"


def session_verify(token: Any, *, key: bytes, max_age_seconds: float, now: float | None = None) -> SandboxSession:
    """The session a token names; ``SignatureError`` when it is missing, forged or malformed,
    ``TokenExpiredError`` when it is older than ``max_age_seconds``."""
    if not isinstance(token, str) or len(token) > 2048 or token.count(".") != 2:
        raise SignatureError("missing or malformed sandbox token")
    version, payload, signature = token.split(".")
    if version != TOKEN_VERSION or not hmac.compare_digest(_signature(key, f"{version}.{payload}"), signature):
        raise SignatureError("sandbox token signature does not match")
    try:
        data = json.loads(_b64decode(payload))
    except (binascii.Error, ValueError) as exc:  # signed by us, so only a changed key gets here
        raise SignatureError("unreadable sandbox token") from exc
    if not isinstance(data, dict) or not isinstance(data.get("p"), str) or not isinstance(data.get("t"), int):
        raise SignatureError("unreadable sandbox token")
    current = time.time() if now is None else now
    if data["t"] > current + CLOCK_SKEW_SECONDS:
        raise SignatureError("sandbox token from the future")
    if current - data["t"] > max_age_seconds:
        raise TokenExpiredError("sandbox token expired")
    name = data.get("n") if isinstance(data.get("n"), str) else ""
    return SandboxSession(phone=data["p"], name=name, issued_at=data["t"])


def session_name(raw: Any) -> str:
    """The name a customer typed, cleaned: one line, at most ``NAME_CHARS`` characters."""
    if raw is None:
        return ""
    if not isinstance(raw, str):
        raise SandboxInputError("name must be a string", code="invalid_name")
    name = " ".join(clean_text(raw).split())
    if len(name) > NAME_CHARS:
        raise SandboxInputError("name too long", code="name_too_long")
    return name


def parse_message(
    payload: Mapping[str, Any], *, session: SandboxSession, account_ref: str, now: datetime
) -> ParsedWebhook:
    """The customer typed a line: ``{"text": ..., "client_id": ...}``.

    ``client_id`` is the page's own id for the line (8 to 64 of ``A-Z a-z 0-9 _ -``); the line's provider
    id is ``sbx-in-<client_id>``, so a post the page repeats (a retry after a lost answer) is a duplicate.
    Empty text (after trimming) and text over WhatsApp's 4096 characters are refused, never clipped.
    """
    if not isinstance(payload, Mapping):
        raise SandboxInputError("the body must be a JSON object", code="malformed_payload")
    text = payload.get("text")
    if not isinstance(text, str):
        raise SandboxInputError("text must be a string", code="empty_text" if text is None else "malformed_payload")
    text = clean_text(text).strip()
    if not text:
        raise SandboxInputError("text is empty", code="empty_text")
    if len(text) > TEXT_CHARS:
        raise SandboxInputError(f"text longer than {TEXT_CHARS} characters", code="text_too_long")
    client_id = payload.get("client_id")
    if not isinstance(client_id, str) or not _CLIENT_ID.match(client_id):
        raise SandboxInputError("client_id must be 8 to 64 letters, digits, '-' or '_'", code="invalid_client_id")
    message = InboundMessage(
        provider=Provider.SANDBOX,
        account_ref=account_ref,
        external_id=f"{INBOUND_PREFIX}{client_id}",
        sender_id=session.sender_id,
        timestamp=now,
        type=MessageType.TEXT,
        text=text,
        sender_phone=session.phone,
        sender_name=session.name,
        raw={"from": session.phone, "name": session.name, "client_id": client_id, "text": text},
    )
    return bounded(ParsedWebhook(messages=(message,)))


def parse_read_refs(payload: Mapping[str, Any]) -> tuple[str, ...]:
    """The page showed these messages of ours: ``{"refs": ["sbx-out-<hex>", ...]}`` (at most 100)."""
    if not isinstance(payload, Mapping):
        raise SandboxInputError("the body must be a JSON object", code="malformed_payload")
    refs = payload.get("refs")
    if not isinstance(refs, list) or not refs or len(refs) > MAX_READ_REFS:
        raise SandboxInputError(f"refs must be a list of 1 to {MAX_READ_REFS} ids", code="invalid_refs")
    if not all(isinstance(ref, str) and _OUTBOUND_REF.match(ref) for ref in refs):
        raise SandboxInputError("refs must be ids of messages sent to the sandbox", code="invalid_refs")
    return tuple(dict.fromkeys(refs))


def status_updates(
    refs: tuple[str, ...] | list[str], *, status: DeliveryStatus, account_ref: str, recipient_id: str, now: datetime
) -> ParsedWebhook:
    """Progress of our sends, as a provider's status callback would report it."""
    return bounded(ParsedWebhook(statuses=tuple(
        StatusUpdate(provider=Provider.SANDBOX, account_ref=account_ref, external_id=ref, status=status,
                     timestamp=now, recipient_id=recipient_id,
                     raw={"id": ref, "status": str(status), "recipient": recipient_id})
        for ref in refs
    )))


def client_id_of(external_id: str) -> str:
    """The page's id of one of the customer's lines ("" for anything else)."""
    return external_id.removeprefix(INBOUND_PREFIX) if external_id.startswith(INBOUND_PREFIX) else ""
