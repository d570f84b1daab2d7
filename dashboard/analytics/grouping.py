"""Several GROUP BYs of the same rows in one query: ``GROUP BY GROUPING SETS`` on PostgreSQL (one scan, one join,
where a query per grouping did them again each), a query per grouping elsewhere (SQLite has no grouping sets).
Same rows either way."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from django.db import connections
from django.db.models import Func, IntegerField, QuerySet

#: How Django ends a ``values(...).annotate(...)`` query on PostgreSQL: the grouped columns by position.
_GROUP_BY = re.compile(r" GROUP BY (?:\d+)(?:, \d+)*$")


def _marker(i: int) -> Func:
    """The constant ``i`` (no parameter): grouped with the keys of set ``i``, it is null in the other sets' rows."""
    return Func(template=str(int(i)), output_field=IntegerField())


def grouped_by_sets(qs: QuerySet[Any], sets: Sequence[Sequence[str]], **aggregates: Any) -> list[list[dict[str, Any]]]:
    """For each set of keys (fields or annotations of ``qs``), the rows of ``qs.values(*keys).annotate(
    **aggregates)``, as dicts of the set's keys and the aggregates."""
    if connections[qs.db].vendor == "postgresql" and len(sets) > 1:
        found = _grouping_sets(qs, sets, aggregates)
        if found is not None:
            return found
    return [list(qs.order_by().values(*keys).annotate(**aggregates)) for keys in sets]


def _grouping_sets(qs: QuerySet[Any], sets: Sequence[Sequence[str]],
                   aggregates: dict[str, Any]) -> list[list[dict[str, Any]]] | None:
    markers = {f"grouping_set_{i}": _marker(i) for i in range(len(sets))}
    keys = list(dict.fromkeys(key for group in sets for key in group))
    compiler = (qs.order_by().annotate(**markers).values(*markers, *keys).annotate(**aggregates).query
                .get_compiler(using=qs.db))
    sql, params = compiler.as_sql()
    aliases = [alias for _expression, _sql, alias in compiler.select]
    group_by = _GROUP_BY.search(sql)
    if group_by is None or any(name not in aliases for name in (*markers, *keys)):
        return None  # not the query this expects: one query per grouping instead
    grouping = ", ".join("(" + ", ".join(str(aliases.index(name) + 1) for name in (marker, *group)) + ")"
                         for marker, group in zip(markers, sets, strict=True))
    with connections[qs.db].cursor() as cursor:
        cursor.execute(f"{sql[:group_by.start()]} GROUP BY GROUPING SETS ({grouping})", params)
        rows = cursor.fetchall()
    out: list[list[dict[str, Any]]] = [[] for _group in sets]
    marked = [aliases.index(marker) for marker in markers]
    positions = [[aliases.index(name) for name in (*group, *aggregates)] for group in sets]
    names = [(*group, *aggregates) for group in sets]
    for row in rows:
        i = next(i for i, position in enumerate(marked) if row[position] is not None)
        out[i].append(dict(zip(names[i], (row[p] for p in positions[i]), strict=True)))
    return out
