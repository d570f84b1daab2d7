"""Readers shared by the Meta webhook parsers: they turn shape problems into ``PayloadError``."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from core.errors import InvalidPhoneError
from core.phones import normalize_phone
from integrations.errors import PayloadError


def entries(payload: Mapping[str, Any], obj: str) -> list[dict[str, Any]]:
    """The ``entry`` objects of a payload whose ``object`` is ``obj``."""
    if not isinstance(payload, Mapping) or payload.get("object") != obj:
        raise PayloadError(f"not a {obj} webhook")
    if not isinstance(payload.get("entry"), list):
        raise PayloadError("webhook body has no 'entry' list")
    return dicts(payload["entry"], "entry")


def dicts(value: Any, where: str) -> list[dict[str, Any]]:
    """A list of objects; absent means empty, any other shape is a PayloadError."""
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise PayloadError(f"'{where}' is not a list of objects")
    return value


def obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def as_str(value: Any) -> str:
    if value is None or isinstance(value, dict | list):
        return ""
    return str(value)


def required_text(container: Mapping[str, Any], key: str, where: str) -> str:
    value = as_str(container.get(key)).strip()
    if not value:
        raise PayloadError(f"{where} without '{key}'")
    return value


def seconds(value: Any, where: str) -> datetime:
    """Meta's WhatsApp timestamps: unix seconds, sent as a string."""
    try:
        return datetime.fromtimestamp(int(str(value).strip()), tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError) as exc:
        raise PayloadError(f"{where}: bad timestamp {str(value)[:32]!r}") from exc


def milliseconds(value: Any, where: str) -> datetime:
    """Instagram timestamps: unix milliseconds (kept exact, no float rounding)."""
    try:
        ms = int(value)
        return datetime.fromtimestamp(ms // 1000, tz=UTC) + timedelta(milliseconds=ms % 1000)
    except (TypeError, ValueError, OverflowError, OSError) as exc:
        raise PayloadError(f"{where}: bad timestamp {str(value)[:32]!r}") from exc


def e164_or_empty(raw: str) -> str:
    """E.164 for a phone a person typed (a shared contact card), or "" when it does not parse.

    A WhatsApp id is read with ``core.phones.provider_phone`` instead: Meta has routed it, so it is kept
    even when phonenumbers does not know the range."""
    if not raw:
        return ""
    try:
        return normalize_phone(raw)
    except InvalidPhoneError:
        return ""
