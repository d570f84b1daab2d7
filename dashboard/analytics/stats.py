"""Medians and 90th percentiles of durations: PostgreSQL's ``percentile_cont`` in the database, and the same
interpolation in Python over the values elsewhere (SQLite), so both give the same figure."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.contrib.postgres.fields import ArrayField
from django.db import connection
from django.db.models import Aggregate, Case, Count, F, FloatField, Func, Q, QuerySet, Value, When


class PercentilesCont(Aggregate):
    """``percentile_cont(ARRAY[p, ...]) WITHIN GROUP (ORDER BY expr)`` (PostgreSQL): the interpolated percentiles,
    every fraction from one sort of the values (a ``percentile_cont(p)`` each sorted them once each)."""

    function = "percentile_cont"
    name = "PercentilesCont"
    output_field = ArrayField(FloatField())
    template = "%(function)s(ARRAY[%(fractions)s]::float8[]) WITHIN GROUP (ORDER BY %(expressions)s)"

    def __init__(self, expression: Any, fractions: Sequence[float], **extra: Any) -> None:
        super().__init__(expression, fractions=", ".join(repr(float(f)) for f in fractions), **extra)


class EpochMinutes(Func):
    """Minutes of an interval (PostgreSQL), as a double: ``date_part`` rather than ``EXTRACT``, whose numeric
    result made the percentiles over 100k conversations a third slower."""

    template = "(date_part('epoch', (%(expressions)s)) / 60)"
    output_field = FloatField()


def percentile(sorted_values: Sequence[float], fraction: float) -> float | None:
    """``percentile_cont``'s linear interpolation over already sorted values (``None`` when there are none)."""
    if not sorted_values:
        return None
    position = fraction * (len(sorted_values) - 1)
    lower, upper = math.floor(position), math.ceil(position)
    low, high = sorted_values[lower], sorted_values[upper]
    return low + (high - low) * (position - lower)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def duration_percentiles(qs: QuerySet[Any], groups: dict[str, tuple[str, str, Q]]) -> dict[str, dict[str, Any]]:
    """For each group ``name: (start_field, end_field, condition)``: the count, median and p90 in minutes of
    ``end - start`` over the rows of ``qs`` that meet the condition and have both ends. One query (PostgreSQL:
    one sort per group; elsewhere the values are read and sorted in Python)."""
    either = Q()
    for start, end, condition in groups.values():
        either |= condition & Q(**{f"{start}__isnull": False, f"{end}__isnull": False})
    qs = qs.filter(either)
    if connection.vendor == "postgresql":
        aggregates: dict[str, Any] = {}
        for name, (start, end, condition) in groups.items():
            where = condition & Q(**{f"{start}__isnull": False, f"{end}__isnull": False})
            aggregates[f"{name}__count"] = Count("pk", filter=where)
            aggregates[f"{name}__percentiles"] = PercentilesCont(EpochMinutes(F(end) - F(start)), (0.5, 0.9),
                                                                 filter=where)
        row = qs.aggregate(**aggregates)
        out: dict[str, dict[str, Any]] = {}
        for name in groups:
            median, p90 = row[f"{name}__percentiles"] or (None, None)
            out[name] = {"count": row[f"{name}__count"], "median": _round(median), "p90": _round(p90)}
        return out

    # Elsewhere: one query reading each group's flag and ends, the percentiles in Python.
    fields: list[str] = []
    annotations: dict[str, Any] = {}
    for name, (start, end, condition) in groups.items():
        annotations[f"_in_{name}"] = Case(When(condition, then=Value(True)), default=Value(False))
        fields += [start, end]
    rows = qs.annotate(**annotations).values_list(*annotations, *dict.fromkeys(fields))
    positions = {field: i for i, field in enumerate(dict.fromkeys(fields), start=len(annotations))}
    values: dict[str, list[float]] = {name: [] for name in groups}
    for row in rows.iterator(chunk_size=2000):
        for i, (name, (start, end, _condition)) in enumerate(groups.items()):
            began: datetime | None = row[positions[start]]
            ended: datetime | None = row[positions[end]]
            if row[i] and began is not None and ended is not None:
                values[name].append((ended - began).total_seconds() / 60)
    out = {}
    for name, minutes in values.items():
        minutes.sort()
        out[name] = {"count": len(minutes), "median": _round(percentile(minutes, 0.5)),
                     "p90": _round(percentile(minutes, 0.9))}
    return out
