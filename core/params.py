"""Numbers, ids and dates read from request input (query strings, forms, JSON): a bad value is ``None``.

``str.isdigit()`` is not a test for "``int()`` will take it": it accepts superscripts (``"²"``), which
``int()`` refuses, and a string of digits may hold a number no database column can (the SQLite driver
raises ``OverflowError`` on a filter by such an id). These helpers accept ASCII decimal digits only,
within the range of a 64-bit database integer, so a view can answer 400 or ignore the filter instead of 500.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.utils import dateparse, timezone

DB_INT_MIN = -(2**63)
DB_INT_MAX = 2**63 - 1  # bigint: the widest integer column of PostgreSQL and SQLite
ID_MAX = DB_INT_MAX
_MAX_DIGITS = len(str(DB_INT_MAX))
# datetime's range is years 1 to 9999; a day's margin each side keeps time zone conversions inside it.
_MIN_DATE = date(1, 1, 2)
_MAX_DATE = date(9999, 12, 30)


def parse_int(value: Any, *, minimum: int = DB_INT_MIN, maximum: int = DB_INT_MAX) -> int | None:
    """``value`` as an int when it is ASCII decimal digits (an optional leading ``-``) within the bounds."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    else:
        if not isinstance(value, str):
            return None
        text = value.strip()
        digits = text[1:] if text.startswith("-") else text
        if not (digits.isascii() and digits.isdecimal()) or len(digits.lstrip("0")) > _MAX_DIGITS:
            return None
        number = int(text)
    return number if minimum <= number <= maximum else None


def parse_id(value: Any) -> int | None:
    """A primary key: a positive integer that fits the database's id column."""
    return parse_int(value, minimum=1, maximum=ID_MAX)


def parse_date(value: Any) -> date | None:
    """``YYYY-MM-DD`` as a date; ``None`` when it is malformed or impossible (``2025-02-30``)."""
    if not isinstance(value, str):
        return None
    try:
        parsed = dateparse.parse_date(value.strip())
    except ValueError:  # well formed but impossible
        return None
    return parsed if parsed is not None and _MIN_DATE <= parsed <= _MAX_DATE else None


def parse_datetime(value: Any) -> datetime | None:
    """An ISO 8601 date and time, aware (naive ones are in the current time zone); ``None`` when bad."""
    if not isinstance(value, str):
        return None
    try:
        parsed = dateparse.parse_datetime(value.strip())
    except ValueError:  # well formed but impossible
        return None
    if parsed is None or not _MIN_DATE <= parsed.date() <= _MAX_DATE:
        return None
    return timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed


def parse_month(value: Any) -> date | None:
    """``YYYY-MM`` as the first day of that month; ``None`` when malformed or out of range (``0000-01``)."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if len(text) != 7 or text[4] != "-":
        return None
    year = parse_int(text[:4], minimum=1, maximum=9999)
    month = parse_int(text[5:], minimum=1, maximum=12)
    if year is None or month is None:
        return None
    return date(year, month, 1)
