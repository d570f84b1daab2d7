"""Several GROUP BYs of the same rows in one query: ``GROUP BY GROUPING SETS`` on PostgreSQL (one scan, one join,
where a query per grouping did them again each), a query per grouping elsewhere (SQLite has no grouping sets).
Same rows either way."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from django.db import connections
from django.db.models import QuerySet

#: How Django ends a ``values(...).annotate(...)`` query on PostgreSQL: the grouped columns by position.
_GROUP_BY = re.compile(r" GROUP BY (?:\d+)(?:, \d+)*$")


def grouped_by_sets(qs: QuerySet[Any], sets: Sequence[Sequence[str]], **aggregates: Any) -> list[list[dict[str, Any]]]:
    """For each set of keys (fields or annotations of ``qs``; no key in two sets), the rows of
    ``qs.values(*keys).annotate(**aggregates)``: each row holds its set's keys and the aggregates. The first key of
    every set but the last must never be null: a row belongs to the first set whose first key it has."""
    keys = [key for group in sets for key in group]
    connection = connections[qs.db]
    if connection.vendor == "postgresql" and len(sets) > 1:
        compiler = qs.order_by().values(*keys).annotate(**aggregates).query.get_compiler(using=qs.db)
        sql, params = compiler.as_sql()
        aliases = [alias for _expression, _sql, alias in compiler.select]
        found = _GROUP_BY.search(sql)
        if found and all(key in aliases for key in keys):
            grouping = ", ".join("(" + ", ".join(str(aliases.index(key) + 1) for key in group) + ")" for group in sets)
            with connection.cursor() as cursor:
                cursor.execute(f"{sql[:found.start()]} GROUP BY GROUPING SETS ({grouping})", params)
                rows = [dict(zip(aliases, row, strict=True)) for row in cursor.fetchall()]
            out: list[list[dict[str, Any]]] = [[] for _group in sets]
            for row in rows:
                i = next((i for i, group in enumerate(sets[:-1]) if row[group[0]] is not None), len(sets) - 1)
                out[i].append({key: row[key] for key in (*sets[i], *aggregates)})
            return out
    return [list(qs.order_by().values(*group).annotate(**aggregates)) for group in sets]
