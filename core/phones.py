"""Phone numbers in E.164, whatever the customer or the provider wrote."""

from __future__ import annotations

import re

import phonenumbers
from django.conf import settings
from django.utils.translation import gettext as _

from core.errors import InvalidPhoneError

_CHANNEL_PREFIXES = ("whatsapp:", "tel:", "sms:")
# E.164: a country code and the number, 15 digits at most (the shortest numbers in use have 7).
_E164_DIGITS = re.compile(r"^[1-9]\d{6,14}$")
_SEPARATORS = re.compile(r"[\s\-().]")


def normalize_phone(raw: str, *, region: str | None = None) -> str:
    """Return ``raw`` as E.164 (``+51987654321``) or raise ``InvalidPhoneError``.

    Accepts provider forms such as ``whatsapp:+51 987 654 321``, a leading ``00`` and Meta's bare
    ``wa_id`` digits (``51987654321``). Numbers without a country code use ``region``
    (``PHONE_DEFAULT_REGION``, Peru by default).

    A number written in international form (``+`` or ``00``) that phonenumbers does not know as valid
    but whose length is possible for its country (``+56 9 1234 5678``: a range newer than the library's
    metadata) is kept as its E.164 digits: the metadata lags behind the carriers.
    """
    value = _without_channel_prefix(raw)
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
    if value.startswith("+"):
        written = _international_digits(value[1:], possible_only=True)
        if written:
            return written
    raise InvalidPhoneError(_("“%(phone)s” is not a valid phone number.") % {"phone": raw})


def provider_phone(raw: str) -> str:
    """E.164 for a number a provider gave us, or "" when there is none to read. Never raises.

    Providers write numbers in international form (Twilio's ``whatsapp:+56912345678``, Meta's bare
    ``wa_id`` ``56912345678``) and have already routed a message to or from them, so a number that
    phonenumbers rejects is kept as written (its E.164 digits, a known country code, 7 to 15 digits)
    instead of being dropped.
    """
    try:
        return normalize_phone(raw)
    except InvalidPhoneError:
        pass
    value = _without_channel_prefix(raw)
    if value.startswith("00"):
        value = value[2:]
    return _international_digits(value.removeprefix("+"), possible_only=False)


def _without_channel_prefix(raw: str) -> str:
    value = (raw or "").strip()
    lowered = value.lower()
    for prefix in _CHANNEL_PREFIXES:
        if lowered.startswith(prefix):
            return value[len(prefix) :].strip()
    return value


def _international_digits(text: str, *, possible_only: bool) -> str:
    """``+`` and the digits of ``text`` (a number after its ``+``) when they are well-formed E.164, else ""."""
    digits = _SEPARATORS.sub("", text)
    if not _E164_DIGITS.match(digits):
        return ""
    try:
        parsed = phonenumbers.parse("+" + digits, None)  # fails on a country code nobody has
    except phonenumbers.NumberParseException:
        return ""
    reason = phonenumbers.is_possible_number_with_reason(parsed)
    if possible_only and reason != phonenumbers.ValidationResult.IS_POSSIBLE:
        return ""
    return "+" + digits


def is_valid_phone(raw: str) -> bool:
    try:
        normalize_phone(raw)
    except InvalidPhoneError:
        return False
    return True


# --------------------------------------------------------------------------------------------
# Search: the digits a phone typed in any format can be stored under
# --------------------------------------------------------------------------------------------
PHONE_SEARCH_MIN_DIGITS = 4
_PHONE_LIKE = re.compile(r"^\+?\d+$")  # once spaces, dashes, dots and parentheses are gone


def phone_search_forms(text: str) -> tuple[str, ...]:
    """The digit strings under which the phone in ``text`` may be stored, for a "contains" search.

    ``text`` may carry ``+``, a country code, spaces, dashes, parentheses, a ``00`` or national ``0``
    prefix or ``whatsapp:``; anything with letters is not a phone (``()``). Fewer than four digits
    are too few to search by. Argentine mobiles are written with and without the ``9`` after ``54``
    (E.164 and WhatsApp ids carry it, people often leave it out); older Mexican WhatsApp ids carry a
    ``1`` after ``52``: both forms are returned.
    """
    value = _SEPARATORS.sub("", _without_channel_prefix(text))  # "(+56) 9-1234-5678" -> "+56912345678"
    if not _PHONE_LIKE.match(value):
        return ()
    digits = value.removeprefix("+")
    if value.startswith("00"):
        digits = digits[2:]
    elif not value.startswith("+"):
        digits = digits.lstrip("0")  # a national trunk prefix: "011 2345-6789", "0991 234 567"
    if len(digits) < PHONE_SEARCH_MIN_DIGITS:
        return ()
    forms = [digits]
    if digits.startswith("549") and len(digits) == 13:
        forms.append("54" + digits[3:])
    elif digits.startswith("54") and len(digits) == 12:
        forms.append("549" + digits[2:])
    if digits.startswith("521") and len(digits) == 13:
        forms.append("52" + digits[3:])
    elif digits.startswith("52") and len(digits) == 12:
        forms.append("521" + digits[2:])
    return tuple(forms)
