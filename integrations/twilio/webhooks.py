"""Twilio WhatsApp webhooks: signature check, and form fields -> our typed events.

Twilio posts ``application/x-www-form-urlencoded`` forms (all values are strings) and adds new
fields without notice, so nothing here rejects unknown fields: the signature is checked over every
field received, and each parser keeps the whole form in ``raw``.

- Inbound messages (the number's "A message comes in" URL): :func:`parse_inbound`; answer with
  :func:`empty_twiml` (an empty body makes Twilio log error 11200).
- Status callbacks (the ``StatusCallback`` of an outbound message): :func:`parse_status`; answer 200.

Twilio sends no event time in either webhook, so the parsers stamp the time of arrival.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from twilio.request_validator import RequestValidator

from integrations.base import (
    DeliveryStatus,
    InboundMessage,
    Location,
    MediaRef,
    MessageType,
    ParsedWebhook,
    Provider,
    StatusUpdate,
)
from integrations.errors import PayloadError
from integrations.limits import MAX_MEDIA, bounded, location_or_none
from integrations.sanitize import clean_text
from integrations.twilio.addresses import digits_of, to_e164

SIGNATURE_HEADER = "X-Twilio-Signature"
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'
TWIML_CONTENT_TYPE = "text/xml"

# Twilio's MessageStatus values (twilio-python Message.Status) -> our progress.
STATUS_MAP: dict[str, DeliveryStatus] = {
    "queued": DeliveryStatus.QUEUED,
    "accepted": DeliveryStatus.QUEUED,
    "scheduled": DeliveryStatus.QUEUED,
    "sending": DeliveryStatus.QUEUED,
    "sent": DeliveryStatus.SENT,
    "delivered": DeliveryStatus.DELIVERED,
    "read": DeliveryStatus.READ,
    "failed": DeliveryStatus.FAILED,
    "undelivered": DeliveryStatus.FAILED,
    "canceled": DeliveryStatus.FAILED,
}
# Statuses of messages customers sent us: nothing to update on our outbound messages.
INBOUND_STATUSES = frozenset({"receiving", "received"})

_INTERACTIVE_TYPES = frozenset({"button", "interactive"})


# ---------------------------------------------------------------------------------------------
# Signature
# ---------------------------------------------------------------------------------------------
class _MultiParams:
    """A dict of lists seen through the ``getlist`` that ``RequestValidator`` looks for.

    ``RequestValidator`` reads a plain dict as one value per name; with repeated names (a dict of
    lists) it would sign the list's ``repr``. This adapter makes it append every value, as Twilio does.
    """

    def __init__(self, values: dict[str, list[str]]):
        self._values = values

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def getlist(self, name: str) -> list[str]:
        return self._values[name]


def _as_lists(params: Mapping[str, Any]) -> dict[str, list[str]]:
    getlist = getattr(params, "getlist", None)
    result: dict[str, list[str]] = {}
    for name in params:
        values = getlist(name) if getlist is not None else params[name]
        if isinstance(values, list | tuple):
            result[str(name)] = [str(v) for v in values]
        else:
            result[str(name)] = [str(values)]
    return result


def verify_signature(
    *, url: str, params: Mapping[str, list[str]] | Mapping[str, str], signature: str, auth_token: str
) -> bool:
    """Whether ``signature`` (the ``X-Twilio-Signature`` header) proves Twilio sent this request.

    ``url`` must be the full URL exactly as Twilio requested it (scheme, host, path and query string):
    behind a proxy, rebuild it from the public URL, not from what Django sees. ``params`` are *all*
    the form fields received (a Django ``QueryDict``, a dict of lists, or a dict of strings); for a
    GET webhook pass an empty mapping, the fields are in the URL. The check is twilio-python's
    ``RequestValidator`` (HMAC-SHA1 with the Auth Token, constant-time compare, URL tried with and
    without the default port). A missing signature or an empty Auth Token is never valid.
    """
    if not signature or not auth_token or not url:
        return False
    validator = RequestValidator(auth_token)
    return bool(validator.validate(url, _MultiParams(_as_lists(params or {})), signature))


# ---------------------------------------------------------------------------------------------
# Shared helpers
# ---------------------------------------------------------------------------------------------
def _flatten(params: Mapping[str, Any]) -> dict[str, str]:
    """The form as a plain ``{name: value}`` dict (last value of a repeated name, like ``QueryDict[...]``),
    cleaned of NUL characters and lone surrogates, which no database stores as text."""
    if not isinstance(params, Mapping):
        raise PayloadError(f"Twilio webhook: expected form fields, got {type(params).__name__}")
    flat: dict[str, str] = {}
    for name, values in _as_lists(params).items():
        flat[clean_text(name)] = clean_text(values[-1]) if values else ""
    return flat


def _required(form: dict[str, str], *names: str, kind: str) -> None:
    missing = [name for name in names if not form.get(name, "").strip()]
    if missing:
        raise PayloadError(f"Twilio {kind} webhook without {', '.join(missing)}")


def _now(received_at: datetime | None) -> datetime:
    if received_at is None:
        return datetime.now(UTC)
    if received_at.tzinfo is None:
        raise ValueError("received_at must be timezone-aware")
    return received_at.astimezone(UTC)


def _e164_or_payload_error(form: dict[str, str], name: str) -> str:
    try:
        return to_e164(form[name])
    except ValueError:
        raise PayloadError(f"Twilio webhook: {name} is not a WhatsApp phone address") from None


def _is_true(value: str) -> bool:
    return value.strip().lower() == "true"


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


# ---------------------------------------------------------------------------------------------
# Inbound messages
# ---------------------------------------------------------------------------------------------
def _media_count(value: str) -> int:
    """``NumMedia`` as Twilio sends it (ASCII digits), at most :data:`MAX_MEDIA`; anything else is 0."""
    digits = value.strip()
    if not (digits.isascii() and digits.isdigit()):
        return 0
    digits = digits.lstrip("0") or "0"
    return MAX_MEDIA if len(digits) > 2 else min(int(digits), MAX_MEDIA)


def _media(form: dict[str, str]) -> tuple[MediaRef, ...]:
    """``MediaUrl{N}``/``MediaContentType{N}`` for N < ``NumMedia`` (a missing URL is skipped, not fatal).

    Twilio attaches at most 10 files to a message, so a larger ``NumMedia`` reads the first 10.
    """
    count = _media_count(form.get("NumMedia") or "")
    refs = []
    for index in range(count):
        url = form.get(f"MediaUrl{index}", "").strip()
        if url:
            mime = form.get(f"MediaContentType{index}", "").strip()
            is_voice = mime.split(";")[0].strip().lower() == "audio/ogg"
            refs.append(MediaRef(url=url, mime_type=mime, is_voice=is_voice))
    return tuple(refs)


def _media_type(mime: str) -> MessageType:
    major = mime.split("/", 1)[0].strip().lower()
    return {"image": MessageType.IMAGE, "audio": MessageType.AUDIO, "video": MessageType.VIDEO}.get(
        major, MessageType.DOCUMENT
    )


def _location(form: dict[str, str]) -> Location | None:
    """``Latitude``/``Longitude`` (+ ``Label`` and ``Address`` for a named place), or None without two finite
    numbers on Earth (``nan``, ``1e308`` are not a place; the raw form keeps them)."""
    return location_or_none(
        form.get("Latitude", ""), form.get("Longitude", ""), name=form.get("Label", ""), address=form.get("Address", "")
    )


def _referral(form: dict[str, str]) -> dict[str, Any]:
    """``ReferralSourceUrl`` -> ``{"source_url": ...}`` for every non-empty ``Referral*`` field.

    Real captures carry ``ReferralNumMedia=0`` on every message, so that alone is not a referral.
    """
    referral = {
        _snake(name[len("Referral") :]): value
        for name, value in form.items()
        if name.startswith("Referral") and len(name) > len("Referral") and value != ""
    }
    if referral.get("num_media") == "0":
        del referral["num_media"]
    return referral


def parse_inbound(params: Mapping[str, Any], *, received_at: datetime | None = None) -> ParsedWebhook:
    """Turn the form of an inbound WhatsApp webhook into one :class:`InboundMessage`.

    The type is decided in this order: a button/list reply (``ButtonPayload``/``ButtonText``/
    ``ListId`` or ``MessageType`` ``button``/``interactive``) -> ``INTERACTIVE``; ``Latitude`` and
    ``Longitude`` -> ``LOCATION``; ``NumMedia`` > 0 -> the kind of the first file (``image/*``,
    ``audio/*`` (``audio/ogg`` is a voice note), ``video/*``, anything else a document) with ``Body``
    as caption; ``Body`` -> ``TEXT``; anything else -> ``UNSUPPORTED`` (kept, never dropped, so an
    agent sees that the customer wrote). ``timestamp`` is ``received_at`` (default: now, UTC), since
    Twilio sends no time. Raises :class:`PayloadError` without ``MessageSid``, ``From`` or ``To``.
    """
    form = _flatten(params)
    _required(form, "MessageSid", "From", "To", kind="inbound")
    body = form.get("Body", "")
    message_type_field = form.get("MessageType", "").strip().lower()
    media = _media(form)
    location = _location(form)
    interactive_id = ""
    text = body

    button_payload = form.get("ButtonPayload", "")
    button_text = form.get("ButtonText", "")
    list_id = form.get("ListId", "")  # observed in captures of list-picker replies, not in Twilio's table
    if button_payload or button_text or list_id or message_type_field in _INTERACTIVE_TYPES:
        kind = MessageType.INTERACTIVE
        location = None
        interactive_id = button_payload or list_id
        text = button_text or form.get("ListTitle", "") or body
    elif location is not None:
        kind = MessageType.LOCATION
    elif media:
        kind = _media_type(media[0].mime_type)
        if body:
            media = (replace(media[0], caption=body), *media[1:])
    elif body:
        kind = MessageType.TEXT
    else:
        kind = MessageType.UNSUPPORTED

    message = InboundMessage(
        provider=Provider.TWILIO_WHATSAPP,
        account_ref=_e164_or_payload_error(form, "To"),
        external_id=form["MessageSid"].strip(),
        sender_id=form.get("WaId", "").strip() or digits_of(form["From"]),
        sender_phone=_e164_or_payload_error(form, "From"),
        sender_name=form.get("ProfileName", ""),
        timestamp=_now(received_at),
        type=kind,
        text=text,
        media=media,
        location=location,
        interactive_id=interactive_id,
        reply_to_external_id=form.get("OriginalRepliedMessageSid", "").strip(),
        is_forwarded=_is_true(form.get("Forwarded", "")) or _is_true(form.get("FrequentlyForwarded", "")),
        referral=_referral(form),
        raw=form,
    )
    return bounded(ParsedWebhook(messages=(message,)))


# ---------------------------------------------------------------------------------------------
# Status callbacks
# ---------------------------------------------------------------------------------------------
def parse_status(params: Mapping[str, Any], *, received_at: datetime | None = None) -> ParsedWebhook:
    """Turn a status callback into one :class:`StatusUpdate` (or an ``ignored`` entry).

    ``MessageStatus`` is mapped with :data:`STATUS_MAP`; ``receiving``/``received`` (statuses of
    messages we received) and values Twilio may add later are reported in ``ignored``, never raised.
    ``ErrorCode`` (e.g. ``63016``: free-form message outside the 24-hour window, use a template) goes
    to ``error_code`` and ``ChannelStatusMessage`` to ``error_message``. ``account_ref`` is our number
    (``From``) in E.164 and ``recipient_id`` the customer's digits (``To``), when present.

    Twilio sends no event time and callbacks can arrive out of order, so ``timestamp`` is only the
    time of arrival (``received_at``, default now UTC): callers must order updates by the rank of
    :class:`DeliveryStatus` (queued < sent < delivered < read; failed is terminal), not by time.
    Raises :class:`PayloadError` without ``MessageSid`` or ``MessageStatus``.
    """
    form = _flatten(params)
    _required(form, "MessageSid", "MessageStatus", kind="status")
    raw_status = form["MessageStatus"].strip().lower()
    if raw_status in INBOUND_STATUSES or raw_status not in STATUS_MAP:
        return bounded(ParsedWebhook(ignored=(f"status:{raw_status}",)))

    account_ref = ""
    if form.get("From", "").strip():
        try:
            account_ref = to_e164(form["From"])
        except ValueError:  # e.g. a Messaging Service sid instead of a number
            account_ref = form["From"].strip()
    update = StatusUpdate(
        provider=Provider.TWILIO_WHATSAPP,
        account_ref=account_ref,
        external_id=form["MessageSid"].strip(),
        status=STATUS_MAP[raw_status],
        timestamp=_now(received_at),
        recipient_id=digits_of(form.get("To", "")),
        error_code=form.get("ErrorCode", "").strip(),
        error_message=form.get("ChannelStatusMessage", "").strip(),
        raw=form,
    )
    return bounded(ParsedWebhook(statuses=(update,)))


def empty_twiml() -> str:
    """The TwiML that tells Twilio "no reply": serve it with ``Content-Type: text/xml`` and status 200."""
    return EMPTY_TWIML
