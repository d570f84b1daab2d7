"""Logging filters: no customer phone numbers in access and request logs.

Paths such as ``/api/v1/conversations/by-phone/+51987654321/status/`` or a search ``?q=987654321`` name a
customer. The filter rewrites every run of 7 or more digits (with a leading ``+`` or ``%2B``, and digit groups
joined by spaces, as a typed phone has) to stars but the last 3 digits: ``+********321``. Shorter numbers (ids,
ports, status codes, dates, IP addresses) stay as they are; so does an argument that is only a number (a
status code, a response size).
"""

from __future__ import annotations

import logging
import re
from typing import Any

# A digit, then digits or a space between digits ("987 654 321", "987%20654%20321"), then a digit.
_DIGIT_RUN = re.compile(r"(?<![\d])(?:\+|%2[bB])?\d(?:\d|(?:%20| )(?=\d))*\d(?!\d)")
MIN_DIGITS = 7
KEEP_DIGITS = 3


def _mask_match(match: re.Match[str]) -> str:
    text = match.group(0)
    digits = sum(char.isdigit() for char in text.replace("%20", " ").replace("%2B", "").replace("%2b", ""))
    if digits < MIN_DIGITS:
        return text
    out: list[str] = []
    seen = 0
    to_hide = digits - KEEP_DIGITS
    index = 0
    while index < len(text):
        if text.startswith(("%20", "%2B", "%2b"), index):  # escapes stay whole (their "2" is not a digit of ours)
            out.append(text[index:index + 3])
            index += 3
            continue
        char = text[index]
        if char.isdigit():
            out.append("*" if seen < to_hide else char)
            seen += 1
        else:
            out.append(char)
        index += 1
    return "".join(out)


def mask_phone_numbers(text: str) -> str:
    """``text`` with each run of 7 or more digits starred but its last 3."""
    return _DIGIT_RUN.sub(_mask_match, text)


def _mask_value(value: Any) -> Any:
    if isinstance(value, str) and not value.isdigit():
        return mask_phone_numbers(value)
    return value


class MaskPhoneNumbers(logging.Filter):
    """Masks phone numbers in a record's message and string arguments (installed in ``LOGGING``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = mask_phone_numbers(record.msg)
        if isinstance(record.args, dict):
            record.args = {key: _mask_value(value) for key, value in record.args.items()}
        elif isinstance(record.args, tuple):
            record.args = tuple(_mask_value(value) for value in record.args)
        return True
