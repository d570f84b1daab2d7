from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.params import ID_MAX, parse_id, parse_month


class TriStateBooleanField(serializers.BooleanField):
    """A query-string boolean that is ``None`` when absent."""

    default_empty_html = None
    initial = None

    def __init__(self, **kwargs: object) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_null", True)
        kwargs.setdefault("default", None)
        super().__init__(**kwargs)  # type: ignore[arg-type]


class DateTimeInRangeField(serializers.DateTimeField):
    """A date and time of the years 1970 to 2100 (else a 400).

    Older ones are typos, and before time zones were standard (1908 in Lima) local time had offsets in
    seconds that ISO 8601 output cannot carry: the API answered "0795-11-28T16:52:49-05:08:12".
    """

    earliest = datetime(1970, 1, 1, tzinfo=UTC)
    latest = datetime(2100, 12, 31, tzinfo=UTC)
    default_error_messages = {"out_of_range": _("Enter a date and time between 1970 and 2100.")}

    def to_internal_value(self, value: Any) -> datetime:
        parsed = super().to_internal_value(value)
        if not self.earliest <= parsed <= self.latest:
            self.fail("out_of_range")
        return parsed


class DateInRangeField(serializers.DateField):
    """A day of the years 1970 to 2100 (else a 400): a filter's day is turned into a time range, and the day after
    9999-12-31 does not exist (it answered a 500)."""

    earliest = date(1970, 1, 1)
    latest = date(2100, 12, 31)
    default_error_messages = {"out_of_range": _("Enter a date between 1970 and 2100.")}

    def to_internal_value(self, value: Any) -> date:
        parsed = super().to_internal_value(value)
        if not self.earliest <= parsed <= self.latest:
            self.fail("out_of_range")
        return parsed


class IdField(serializers.IntegerField):
    """The id of a row: a positive integer that fits the database's id column (else a 400, never a 500)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", ID_MAX)
        super().__init__(**kwargs)


class IdOrKeywordField(serializers.CharField):
    """A filter that takes an id or one of a few words (``me``, ``none``); the value stays a string."""

    default_error_messages = {"invalid": _("Enter an id or one of: %(keywords)s.")}

    def __init__(self, *, keywords: tuple[str, ...], **kwargs: Any) -> None:
        self.keywords = keywords
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_blank", True)
        kwargs.setdefault("default", "")
        kwargs.setdefault("max_length", 20)
        super().__init__(**kwargs)
        words = "|".join(keywords)
        extend_schema_field({"type": "string", "pattern": f"^({words}|[0-9]{{1,19}})$"})(self)

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data).strip()
        if value and value not in self.keywords:
            number = parse_id(value)
            if number is None:
                self.fail("invalid", keywords=", ".join(self.keywords))
            value = str(number)
        return value


@extend_schema_field({"type": "string", "pattern": r"^[0-9]{4}-[0-9]{2}$", "example": "2025-01"})
class MonthField(serializers.Field):
    """``YYYY-MM``, read as the first day of that month (year 1 to 9999, month 1 to 12)."""

    default_error_messages = {"invalid": _("Enter a month as YYYY-MM.")}

    def to_internal_value(self, data: Any) -> date:
        month = parse_month(data)
        if month is None:
            self.fail("invalid")
        return month

    def to_representation(self, value: date) -> str:
        return value.strftime("%Y-%m")
