"""The analytics filters: parsing, what a supervisor may filter by, how each filter narrows the figures, the
cache, and query counts that stay flat as the data grows."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Role
from conftest import make_user
from core.errors import ApplicationError
from dashboard.analytics import (
    conversations_analytics,
    dashboard_data,
    filters_from_params,
    leads_analytics,
    sales_analytics,
)
from tests.dashboard.analytics_world import NOW, PARAMS, World, at, build_world, conversation, lead, message, sale

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _now_and_fresh_cache():  # type: ignore[no-untyped-def]
    cache.clear()
    with time_machine.travel(NOW, tick=False):
        yield
    cache.clear()


@pytest.fixture
def world() -> World:
    return build_world(make_user)


def _error(params: dict, user) -> ApplicationError:  # type: ignore[no-untyped-def]
    with pytest.raises(ApplicationError) as caught:
        filters_from_params(params, user=user)
    return caught.value


def test_defaults_are_the_last_30_days_when_no_dates_are_given(world):
    filters = filters_from_params({}, user=world.supervisor)
    assert (filters.date_from, filters.date_to) == (date(2026, 2, 15), date(2026, 3, 16))
    assert (filters.team_id, filters.agent_id, filters.channel, filters.operator_id) == (None, None, "", None)
    only_from = filters_from_params({"from": "2026-03-10"}, user=world.supervisor)
    assert (only_from.date_from, only_from.date_to) == (date(2026, 3, 10), date(2026, 3, 16))


@pytest.mark.parametrize("params", [
    {"from": "2026-13-01"}, {"to": "16/03/2026"}, {"from": "20260301"}, {"from": "2026-03-10", "to": "2026-03-01"},
    {"from": "2020-01-01", "to": "2026-03-01"}, {"channel": "sms"}, {"team": "abc"}, {"agent": "-1"},
    {"operator": "99999"}, {"team": "0"}, {"agent": "1.5"},
])
def test_bad_values_are_refused_with_a_clear_code(world, params):
    error = _error(params, world.admin)
    assert error.code == "invalid_filter"
    assert error.message


def test_a_supervisor_may_not_filter_by_another_team_or_its_people(world):
    assert _error({"team": str(world.other_team.pk)}, world.supervisor).code == "forbidden_filter"
    assert _error({"agent": str(world.other_agent.pk)}, world.supervisor).code == "forbidden_filter"
    assert _error({"team": "999999"}, world.supervisor).code == "forbidden_filter"
    assert filters_from_params({"team": str(world.team.pk), "agent": str(world.agent2.pk)},
                               user=world.supervisor).agent_id == world.agent2.pk
    assert filters_from_params({"team": str(world.other_team.pk)}, user=world.admin).team_id == world.other_team.pk


def test_team_filter_narrows_every_figure_to_that_team(world):
    filters = filters_from_params({**PARAMS, "team": str(world.other_team.pk)}, user=world.admin)
    assert leads_analytics(user=world.admin, filters=filters)["total"] == 1
    sales = sales_analytics(user=world.admin, filters=filters)
    assert (sales["sales"], sales["revenue"], sales["collections"]["promised"]) == (1, 200.0, 50.0)
    conversations = conversations_analytics(user=world.admin, filters=filters)
    assert conversations["totals"]["conversations"] == 1
    assert conversations["messages"] == {"customer": 1, "ai": 0, "agent": 1, "system": 0}
    assert (conversations["tickets"]["met"], conversations["tickets"]["breached"]) == (0, 1)
    assert conversations["csat"]["average"] == 1.0


def test_agent_filter_narrows_to_that_person(world):
    filters = filters_from_params({**PARAMS, "agent": str(world.agent2.pk)}, user=world.supervisor)
    data = dashboard_data(user=world.supervisor, filters=filters)
    kpis = {k.key: k.value for k in data.kpis}
    assert (kpis["leads_total"], kpis["conversations_total"], kpis["sales_count"], kpis["revenue"]) == (1, 1, 1, 50.5)
    assert [row["agent"] for row in data.table("leaderboard").rows] == ["Beto"]


def test_channel_filter_keeps_instagram_only(world):
    filters = filters_from_params({**PARAMS, "channel": "instagram"}, user=world.admin)
    conversations = conversations_analytics(user=world.admin, filters=filters)
    assert conversations["totals"]["conversations"] == 2
    cells = {(d, h): n for d, row in enumerate(conversations["peak_hours"]) for h, n in enumerate(row) if n}
    assert cells == {(2, 15): 1, (0, 8): 1, (4, 20): 1}
    assert leads_analytics(user=world.admin, filters=filters)["total"] == 1
    assert sales_analytics(user=world.admin, filters=filters)["revenue"] == 100.0


def test_operator_filter_keeps_that_operators_leads_and_sales(world):
    filters = filters_from_params({**PARAMS, "operator": str(world.movistar.pk)}, user=world.admin)
    found = leads_analytics(user=world.admin, filters=filters)
    assert (found["total"], found["funnel"]["sold"]) == (2, 2)
    sales = sales_analytics(user=world.admin, filters=filters)
    assert (sales["sales"], sales["revenue"]) == (2, 300.0)
    assert [row["name"] for row in found["top_products"]] == ["Chip Prepago"]


def test_figures_are_cached_per_scope_for_a_minute(world):
    filters = filters_from_params(PARAMS, user=world.admin)
    first = leads_analytics(user=world.admin, filters=filters)
    with CaptureQueriesContext(connection) as queries:
        again = leads_analytics(user=world.admin, filters=filters)
    assert again == first and len(queries) == 0
    assert leads_analytics(user=world.supervisor, filters=filters)["total"] == 4  # another scope, not the admin's
    lead(world.agent, "HOT", "new", at(3, 14))
    assert leads_analytics(user=world.admin, filters=filters)["total"] == 5  # still the cached figure
    cache.clear()
    assert leads_analytics(user=world.admin, filters=filters)["total"] == 6


def _queries(world: World) -> list[int]:
    """Queries of the dashboard and the conversations endpoint: admin, supervisor, and a filtered admin (the
    live messages are read in one step for an unfiltered admin, in two otherwise)."""
    counts = []
    for user, params in ((world.admin, {}), (world.supervisor, {}), (world.admin, {"channel": "whatsapp"})):
        filters = filters_from_params({**PARAMS, **params}, user=user)
        with CaptureQueriesContext(connection) as queries:
            dashboard_data(user=user, filters=filters, use_cache=False)
            conversations_analytics(user=user, filters=filters, use_cache=False)
        counts.append(len(queries))
    return counts


def test_query_count_stays_flat_when_the_data_grows(world):
    before = _queries(world)
    account = world.conversations["C1"].channel_account
    for i in range(10):
        newcomer = make_user(f"nuevo{i}", Role.AGENT, world.team)
        lead_obj = lead(newcomer, "WARM", "quoted", at(3, 2 + i), operator=world.claro, product=world.plan)
        conv = conversation(account, newcomer, at(3, 2 + i, 8), first_response_at=at(3, 2 + i, 8, 5),
                            resolved_at=at(3, 2 + i, 9))
        for minute in range(3):
            message(conv, "customer", at(3, 2 + i, 8, minute))
        sale(newcomer, total=str(Decimal(10 + i)), sold=at(3, 2 + i), sale_type="upgrade", lines=[(world.plan, 1)],
             commission="1.00", lead_obj=lead_obj, conversation=conv)
    assert _queries(world) == before
    assert max(before) <= 50
