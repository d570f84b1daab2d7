"""WhatsApp addresses as Twilio writes them (``whatsapp:+51987654321``) and as we store them (E.164).

Twilio prefixes every WhatsApp address with ``whatsapp:``; without the prefix it would send an SMS.
"""

from __future__ import annotations

import re

from core.errors import InvalidPhoneError
from core.phones import normalize_phone

WHATSAPP_PREFIX = "whatsapp:"

_INTERNATIONAL = re.compile(r"^\+?[1-9]\d{6,14}$")


def strip_channel(address: str) -> str:
    """``whatsapp:+51987654321`` -> ``+51987654321`` (any text without the prefix is returned stripped)."""
    value = (address or "").strip()
    if value.lower().startswith(WHATSAPP_PREFIX):
        value = value[len(WHATSAPP_PREFIX) :].strip()
    return value


def digits_of(address: str) -> str:
    """Only the digits: the customer's WhatsApp id when Twilio gave no ``WaId``."""
    return "".join(ch for ch in strip_channel(address) if ch.isdigit())


def to_e164(address: str) -> str:
    """Return ``address`` (E.164, bare digits or ``whatsapp:``-prefixed) as E.164.

    Uses ``core.phones.normalize_phone``; when it rejects a number that is nonetheless written in
    international form (``+`` and 7-15 digits, e.g. a range newer than the phonenumbers metadata), the
    number is kept as Twilio wrote it, because Twilio already routed a message to or from it.
    Raises ``ValueError`` for anything else (the message does not repeat the number).
    """
    value = strip_channel(address)
    try:
        return normalize_phone(value)
    except InvalidPhoneError:
        compact = re.sub(r"[\s\-().]", "", value)
        if compact.startswith("+") and _INTERNATIONAL.match(compact):
            return compact
        raise ValueError("not a phone number in international form") from None


def whatsapp_address(address: str) -> str:
    """Return the ``whatsapp:+E164`` form Twilio needs in ``From`` and ``To``; ``ValueError`` if not a phone."""
    return WHATSAPP_PREFIX + to_e164(address)
