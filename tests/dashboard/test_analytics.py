"""The dashboard's figures over a small CRM with known numbers (tests/dashboard/analytics_world.py): each figure
family exact, for an admin (everything) and a supervisor (their team)."""

from __future__ import annotations

import pytest
import time_machine
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.test import override_settings
from django.utils import translation

from conftest import make_user
from dashboard.analytics import (
    agents_analytics,
    conversations_analytics,
    dashboard_data,
    filters_from_params,
    leads_analytics,
    sales_analytics,
)
from dashboard.types import KPI_KEYS, SECTIONS, TABLE_KEYS
from tests.dashboard.analytics_world import NOW, PARAMS, World, build_world

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _now_and_fresh_cache():  # type: ignore[no-untyped-def]
    cache.clear()
    with time_machine.travel(NOW, tick=False), override_settings(AI_MONTHLY_BUDGET_USD="10"):
        yield
    cache.clear()


@pytest.fixture
def world() -> World:
    return build_world(make_user)


def _data(user, **params):  # type: ignore[no-untyped-def]
    """The dashboard in English (the series' names are read)."""
    with translation.override("en"):
        return dashboard_data(user=user, filters=filters_from_params({**PARAMS, **params}, user=user))


def _kpis(data) -> dict:  # type: ignore[no-untyped-def]
    return {k.key: k.value for k in data.kpis}


def _series(data, key: str) -> dict:  # type: ignore[no-untyped-def]
    chart = data.chart(key)
    return {s.name: s.data for s in chart.series} | {"labels": chart.labels}


def test_every_chart_kpi_and_table_key_is_filled(world):
    data = _data(world.admin)
    assert [c.key for c in data.charts] == [key for keys in SECTIONS.values() for key in keys]
    assert [k.key for k in data.kpis] == list(KPI_KEYS)
    assert [t.key for t in data.tables] == list(TABLE_KEYS)
    assert [c.key for c in data.tables[0].columns] == ["agent", "leads", "conversations", "sales", "revenue",
                                                      "commissions", "quality_score", "calls", "csat"]
    for chart in data.charts:
        assert all(len(s.data) == len(chart.labels) for s in chart.series), chart.key


def test_leads_by_temperature_and_stage_when_admin_sees_everything(world):
    found = leads_analytics(user=world.admin, filters=filters_from_params(PARAMS, user=world.admin))
    assert found["total"] == 5
    assert found["by_temperature"] == {"HOT": 3, "WARM": 1, "COLD": 1}
    assert found["by_stage"] == {"new": 1, "contacted": 0, "qualified": 0, "quoted": 1, "won": 2, "lost": 1}
    assert found["funnel"] == {"leads": 5, "quoted": 3, "sold": 2, "quote_rate": 60.0, "sale_rate": 40.0}


def test_leads_and_funnel_when_supervisor_sees_only_their_team(world):
    data = _data(world.supervisor)
    kpis = _kpis(data)
    assert (kpis["leads_total"], kpis["leads_hot"]) == (4, 2)
    assert _series(data, "leads_by_temperature")["Leads"] == [2, 1, 1]
    assert _series(data, "funnel")["Leads"] == [4, 2, 1]


def test_top_products_and_operators_asked_vs_sold(world):
    found = leads_analytics(user=world.admin, filters=filters_from_params(PARAMS, user=world.admin))
    assert [(r["name"], r["asked"], r["sold"]) for r in found["top_products"]] == [
        ("Plan Max", 2, 4), ("Chip Prepago", 2, 3)]
    assert [(r["name"], r["asked"], r["sold"]) for r in found["top_operators"]] == [
        ("Claro", 3, 4), ("Movistar", 2, 3)]


def test_revenue_commissions_and_telecom_when_admin(world):
    found = sales_analytics(user=world.admin, filters=filters_from_params(PARAMS, user=world.admin))
    assert (found["sales"], found["revenue"], found["commissions"]) == (4, 380.5, 35.05)
    by_type = {row["sale_type"]: row["sales"] for row in found["by_type"]}
    assert by_type == {"new_line": 0, "portability": 1, "prepaid_to_postpaid": 1, "upgrade": 1, "retail": 1}
    states = {row["state"]: row["sales"] for row in found["installation_states"]}
    assert states == {"pending": 1, "scheduled": 1, "installed": 1, "failed": 0, "cancelled": 0}
    by_day = {row["day"]: (row["sales"], row["revenue"], row["commissions"]) for row in found["by_day"]}
    assert len(by_day) == 16
    assert by_day["2026-03-04"] == (1, 100.0, 10.0)
    assert by_day["2026-03-09"] == (1, 200.0, 20.0)
    assert by_day["2026-03-01"] == (0, 0.0, 0.0)


def test_revenue_and_commissions_when_supervisor(world):
    kpis = _kpis(_data(world.supervisor))
    assert (kpis["sales_count"], kpis["revenue"], kpis["commissions"]) == (3, 180.5, 15.05)


def test_ai_vs_human_and_escalation_reasons(world):
    found = conversations_analytics(user=world.admin, filters=filters_from_params(PARAMS, user=world.admin))
    assert found["totals"] == {"conversations": 5, "whatsapp": 3, "instagram": 2, "resolved": 4, "ai_resolved": 2,
                               "ai_resolved_share": 50.0, "escalated": 3}
    assert found["escalation_reasons"] == [{"reason": "complaint", "conversations": 2},
                                           {"reason": "human_request", "conversations": 1}]
    supervisor = _data(world.supervisor)
    assert _kpis(supervisor)["ai_resolved_share"] == 66.7
    assert _series(supervisor, "ai_vs_human")["Conversations"] == [2, 1]
    assert _series(supervisor, "escalation_reasons")["Conversations"] == [1]


def test_first_response_and_resolution_median_and_p90(world):
    found = conversations_analytics(user=world.admin, filters=filters_from_params(PARAMS, user=world.admin))
    assert found["first_response"] == {"count": 4, "median": 3.0, "p90": 8.2}
    assert found["resolution"] == {"count": 4, "median": 90.0, "p90": 8100.0}
    supervisor = _data(world.supervisor)
    assert _series(supervisor, "response_times")["Median"] == [2.0, 60.0]
    assert _series(supervisor, "response_times")["p90"] == [8.4, 9228.0]


def test_peak_hours_heatmap_by_weekday_and_hour(world):
    found = conversations_analytics(user=world.admin, filters=filters_from_params(PARAMS, user=world.admin))
    cells = {(day, hour): n for day, row in enumerate(found["peak_hours"]) for hour, n in enumerate(row) if n}
    assert cells == {(0, 9): 2, (0, 8): 1, (1, 10): 1, (2, 15): 1, (3, 11): 1, (4, 20): 1}
    assert found["messages"] == {"customer": 7, "ai": 1, "agent": 3, "system": 1}
    supervisor = conversations_analytics(user=world.supervisor,
                                         filters=filters_from_params(PARAMS, user=world.supervisor))
    assert supervisor["messages"] == {"customer": 5, "ai": 1, "agent": 2, "system": 0}
    heat = _data(world.supervisor).chart("peak_hours")
    assert len(heat.series) == 7 and heat.labels[0] == "00" and len(heat.labels) == 24
    assert heat.series[0].data[9] == 2 and heat.series[2].data[15] == 1 and heat.series[3].data[11] == 0


def test_ticket_sla_compliance(world):
    found = conversations_analytics(user=world.admin, filters=filters_from_params(PARAMS, user=world.admin))
    assert (found["tickets"]["met"], found["tickets"]["breached"], found["tickets"]["open"]) == (1, 3, 1)
    assert found["tickets"]["compliance"] == 25.0
    assert found["tickets"]["by_priority"]["critical"] == {"met": 0, "breached": 1, "open": 0}
    assert _kpis(_data(world.supervisor))["ticket_sla_compliance"] == 33.3


def test_ticket_sla_chart_reads_the_ticket_priorities_when_a_critical_ticket_is_late(world):
    chart = _series(_data(world.admin), "ticket_sla")
    assert chart["labels"] == ["Low", "Medium", "High", "Critical"]
    assert (chart["Met"], chart["Breached"], chart["Still running"]) == ([0, 0, 1, 0], [0, 1, 1, 1], [1, 0, 0, 0])


def _hints(data) -> dict:  # type: ignore[no-untyped-def]
    return {k.key: k.hint for k in data.kpis}


def test_kpi_hints_write_long_times_in_days_and_hours_and_amounts_as_money_when_admin_reads_them(world):
    hints = _hints(_data(world.admin))
    assert hints["first_response_median"] == "p90 8.2 min · 4 conversations"
    assert hints["resolution_median"] == "p90 5 d 15 h · 4 conversations"  # 8,100 minutes
    assert hints["collections_recovery"] == "S/ 120.00 of S/ 150.00"
    assert hints["ai_spend"] == "Budget US$ 10.00 a month"
    assert hints["ticket_sla_compliance"] == "1 met, 3 breached"
    assert _hints(_data(world.supervisor))["resolution_median"] == "p90 6 d 10 h · 3 conversations"  # 9,228 min


def test_csat_average_and_distribution(world):
    data = _data(world.admin)
    assert _kpis(data)["csat_average"] == 3.33
    assert _series(data, "csat_distribution")["Answers"] == [1, 0, 0, 1, 1]
    assert _kpis(_data(world.supervisor))["csat_average"] == 4.5


def test_ai_spend_against_the_monthly_budget(world):
    data = _data(world.supervisor)
    assert _kpis(data)["ai_spend"] == 1.75
    chart = _series(data, "ai_spend")
    assert chart["labels"] == ["2026-03"]
    assert chart["Spend"] == [1.75]
    assert chart["Monthly budget"] == [10.0]


def test_ai_spend_has_no_budget_line_when_no_budget_is_set(world):
    with override_settings(AI_MONTHLY_BUDGET_USD=""), translation.override("en"):
        data = dashboard_data(user=world.admin, filters=filters_from_params(PARAMS, user=world.admin),
                              use_cache=False)
    assert [s.name for s in data.chart("ai_spend").series] == ["Spend"]


def test_collections_promised_vs_paid(world):
    found = sales_analytics(user=world.admin, filters=filters_from_params(PARAMS, user=world.admin))
    collections = found["collections"]
    assert (collections["promised"], collections["paid"], collections["recovery"]) == (150.0, 120.0, 80.0)
    days = {row["day"]: (row["promised"], row["paid"]) for row in collections["by_day"] if row["promised"]}
    assert days == {"2026-03-05": (100.0, 100.0), "2026-03-10": (50.0, 20.0)}
    assert _kpis(_data(world.supervisor))["collections_recovery"] == 100.0


def test_leaderboard_figures_per_agent(world):
    rows = agents_analytics(user=world.admin, filters=filters_from_params(PARAMS, user=world.admin))["agents"]
    assert [r["agent"] for r in rows] == ["Otro_agente", "Agente", "Beto"]
    agent = rows[1]
    assert {k: agent[k] for k in ("leads", "conversations", "sales", "revenue", "commissions", "quality_score",
                                  "calls", "csat")} == {
        "leads": 3, "conversations": 1, "sales": 2, "revenue": 130.0, "commissions": 10.0, "quality_score": 80.0,
        "calls": 2, "csat": 5.0}
    other = rows[0]
    assert (other["sales"], other["revenue"], other["calls"], other["csat"], other["quality_score"]) == (
        1, 200.0, 1, 1.0, None)
    supervisor_rows = _data(world.supervisor).table("leaderboard").rows
    assert [r["agent"] for r in supervisor_rows] == ["Agente", "Beto"]
    # The dashboard counts each agent's leads from its lead groups, the endpoint by its own query: the same rows.
    for user in (world.admin, world.supervisor):
        assert _data(user).table("leaderboard").rows == agents_analytics(
            user=user, filters=filters_from_params(PARAMS, user=user), use_cache=False)["agents"]


def test_agents_may_not_read_the_dashboard(world):
    with pytest.raises(PermissionDenied):
        filters_from_params(PARAMS, user=world.agent)
    filters = filters_from_params(PARAMS, user=world.admin)
    for figures in (dashboard_data, conversations_analytics, leads_analytics, agents_analytics, sales_analytics):
        with pytest.raises(PermissionDenied):
            figures(user=world.agent, filters=filters)


def test_back_office_reads_sales_only(world):
    from accounts.models import Role

    backoffice = make_user("backoffice", Role.BACKOFFICE)
    filters = filters_from_params(PARAMS, user=backoffice)
    assert sales_analytics(user=backoffice, filters=filters)["sales"] == 4
    with pytest.raises(PermissionDenied):
        dashboard_data(user=backoffice, filters=filters)
