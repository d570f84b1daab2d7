"""Phone numbers in E.164, whatever the customer or the provider wrote."""

from __future__ import annotations

import phonenumbers
from django.conf import settings
from django.utils.translation import gettext as _

from core.errors import InvalidPhoneError

_CHANNEL_PREFIXES = ("whatsapp:", "tel:", "sms:")


def normalize_phone(raw: str, *, region: str | None = None) -> str:
    """Return ``raw`` as E.164 (``+51987654321``) or raise ``InvalidPhoneError``.

    Accepts provider forms such as ``whatsapp:+51 987 654 321``, a leading ``00`` and Meta's bare
    ``wa_id`` digits (``51987654321``). Numbers without a country code use ``region``
    (``PHONE_DEFAULT_REGION``, Peru by default).
    """
    value = (raw or "").strip()
    lowered = value.lower()
    for prefix in _CHANNEL_PREFIXES:
        if lowered.startswith(prefix):
            value = value[len(prefix) :].strip()
            break
    if value.startswith("00"):
        value = "+" + value[2:]
    digits = "".join(ch for ch in value if ch.isdigit())
    if not digits or len(digits) > 15:
        raise InvalidPhoneError(_("“%(phone)s” is not a valid phone number.") % {"phone": raw})
    default_region = region or settings.PHONE_DEFAULT_REGION
    candidates = [value]
    if not value.startswith("+"):
        # Meta sends wa_id as bare international digits; try that reading as well.
        candidates.append("+" + digits)
    for candidate in candidates:
        try:
            parsed = phonenumbers.parse(candidate, None if candidate.startswith("+") else default_region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(parsed):
            return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    raise InvalidPhoneError(_("“%(phone)s” is not a valid phone number.") % {"phone": raw})


def is_valid_phone(raw: str) -> bool:
    try:
        normalize_phone(raw)
    except InvalidPhoneError:
        return False
    return True
