"""grouped_by_sets: several GROUP BYs in one query (grouping sets on PostgreSQL, a query each elsewhere) give the
rows that one query per grouping gives, keys that may be null included."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Count, Q, Sum
from django.test.utils import CaptureQueriesContext

from conftest import make_user
from dashboard.analytics.grouping import grouped_by_sets
from leads.models import Lead
from tests.dashboard.analytics_world import at, build_world

pytestmark = pytest.mark.django_db


def _sorted(rows: list[dict]) -> list[tuple]:
    return sorted(tuple(sorted((key, str(value)) for key, value in row.items())) for row in rows)


def test_each_grouping_equals_its_own_group_by_when_keys_are_null_in_some_rows():
    world = build_world(make_user)
    Lead.objects.create(contact=world.conversations["C1"].contact, classification="HOT", status="new")  # no one's
    qs = Lead.objects.order_by()
    sets = [("product_id", "operator_id"), ("assignee_id",), ("classification", "status")]
    aggregates = {"n": Count("pk"), "hot": Count("pk", filter=Q(classification="HOT")), "score": Sum("score")}
    assert qs.filter(product__isnull=True).exists() and qs.filter(assignee__isnull=True).exists()
    with CaptureQueriesContext(connection) as queries:
        found = grouped_by_sets(qs, sets, **aggregates)
    assert len(queries) == (1 if connection.vendor == "postgresql" else len(sets))
    for keys, rows in zip(sets, found, strict=True):
        assert _sorted(rows) == _sorted(list(qs.values(*keys).annotate(**aggregates)))
        assert all(set(row) == {*keys, *aggregates} for row in rows)


def test_rows_of_an_empty_queryset_are_empty_for_every_grouping():
    found = grouped_by_sets(Lead.objects.filter(created_at__lt=at(1, 1)), [("status",), ("assignee_id",)],
                            n=Count("pk"), total=Sum("score", default=Decimal("0")))
    assert found == [[], []]
