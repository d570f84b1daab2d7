"""WhatsApp addresses as Twilio writes them (``whatsapp:+51987654321``) and as we store them (E.164).

Twilio prefixes every WhatsApp address with ``whatsapp:``; without the prefix it would send an SMS.
"""

from __future__ import annotations

from core.phones import provider_phone

WHATSAPP_PREFIX = "whatsapp:"


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

    Uses ``core.phones.provider_phone``: a number phonenumbers rejects that is nonetheless written in
    international form (7-15 digits after a known country code, e.g. a range newer than the phonenumbers
    metadata) is kept as Twilio wrote it, because Twilio already routed a message to or from it.
    Raises ``ValueError`` for anything else (the message does not repeat the number).
    """
    e164 = provider_phone(strip_channel(address))
    if not e164:
        raise ValueError("not a phone number in international form")
    return e164


def whatsapp_address(address: str) -> str:
    """Return the ``whatsapp:+E164`` form Twilio needs in ``From`` and ``To``; ``ValueError`` if not a phone."""
    return WHATSAPP_PREFIX + to_e164(address)
