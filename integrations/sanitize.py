"""Making what a webhook carried safe to store, without losing what a customer validly sent.

- Text: lone UTF-16 surrogates (``"\\ud800"`` in JSON) and NUL characters cannot be stored as text
  (SQLite cannot encode the first, PostgreSQL refuses both in ``text`` and ``jsonb``): each becomes
  U+FFFD, the replacement character, so the reader still sees that something was there.
- JSON trees: containers nested deeper than :data:`MAX_JSON_DEPTH` are replaced by a marker string
  (so cleaning, storing and copying never recurse deeper than that). No real
  provider payload comes near that depth (a WhatsApp batch is about ten levels).
- Numbers: a JSON number too large for a float (``1e400``) would become ``inf``, which is not JSON
  and cannot be stored; :func:`json_float` keeps its literal as a string instead.
- Lengths: :func:`clip` for free text (marked with an ellipsis), :func:`fit_id` for identifiers
  (a stable digest, so a redelivery or a reply to it still matches).
"""

from __future__ import annotations

import hashlib
import math
import re
from typing import Any

MAX_JSON_DEPTH = 64
TOO_DEEP = "[nested too deeply]"
REPLACEMENT = "\ufffd"

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def clean_text(value: str) -> str:
    """``value`` with NUL characters and lone surrogates replaced by U+FFFD."""
    if value.isascii() and "\x00" not in value:
        return value
    return _UNSTORABLE.sub(REPLACEMENT, value)


def clean_json(value: Any, *, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """A copy of a decoded JSON tree that every database can store (see the module docstring).

    Recursive, but never deeper than ``max_depth`` levels, whatever the depth of ``value``.
    """
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        if max_depth <= 0:
            return TOO_DEEP
        return {
            clean_text(key) if isinstance(key, str) else str(key): clean_json(item, max_depth=max_depth - 1)
            for key, item in value.items()
        }
    if isinstance(value, list):
        if max_depth <= 0:
            return TOO_DEEP
        return [clean_json(item, max_depth=max_depth - 1) for item in value]
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value


def json_float(literal: str) -> float | str:
    """``parse_float`` for ``json.loads``: a float, or the literal itself when it overflows to infinity."""
    value = float(literal)
    return value if math.isfinite(value) else literal


def finite(value: Any) -> float | None:
    """``value`` as a finite float (numbers or numeric strings), else None (``nan``, ``inf``, ``1e400``, text)."""
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return number if math.isfinite(number) else None


def clip(value: str, limit: int) -> str:
    """``value`` cut to at most ``limit`` characters, the last one an ellipsis when something was cut."""
    if len(value) <= limit:
        return value
    return value[: limit - 1] + "…" if limit > 1 else value[:limit]


def fit_id(value: str, limit: int) -> str:
    """An identifier of at most ``limit`` characters: itself when it fits, else a prefix and a digest of it.

    The same long id always gives the same result, so deduplication and reply matching keep working.
    """
    if len(value) <= limit:
        return value
    digest = hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[: min(32, limit // 2)]
    return f"{value[: limit - len(digest) - 1]}~{digest}"
