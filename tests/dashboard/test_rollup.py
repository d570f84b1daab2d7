"""The daily rollup (message counts, AI spend): it counts closed days, rerunning it changes nothing, the figures
are the same with and without it, and closed days are really read from it (today never is)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.core.cache import cache

from accounts.models import User
from ai.models import AIRequest
from conftest import make_user
from conversations.models import Conversation, Message
from dashboard.analytics import conversations_analytics, dashboard_data, filters_from_params
from dashboard.models import AISpendDay, MessageDayHourStat, MessageHourStat, RollupDay
from dashboard.services import analytics_rollup
from dashboard.tasks import analytics_rollup_task
from tests.concurrency import run_together
from tests.dashboard.analytics_world import NOW, PARAMS, World, at, build_world, message, stamp

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


def _snapshot() -> list[tuple]:
    return sorted(MessageHourStat.objects.values_list("day", "hour", "weekday", "channel", "team_id", "agent_id",
                                                      "operator_id", "sender", "messages"),
                  key=lambda row: tuple(str(v) for v in row))


def test_rollup_counts_every_closed_day_once_and_a_rerun_changes_nothing(world):
    result = analytics_rollup()
    # From the oldest message (27 February) to yesterday; today (16 March) is read live.
    assert (result.days[0], result.days[-1], len(result.days)) == (date(2026, 2, 27), date(2026, 3, 15), 17)
    assert result.messages == 12  # 13 messages, one of them today
    first = _snapshot()
    assert sum(row[-1] for row in first) == 12
    monday_nine = [row for row in first if row[0] == date(2026, 3, 2) and row[1] == 9 and row[7] == "customer"]
    assert monday_nine == [(date(2026, 3, 2), 9, 1, "whatsapp", world.team.pk, world.agent.pk, None, "customer", 2)]
    # Summed over every team (what an admin reads when no team is asked for): the same 12 messages.
    assert sum(MessageDayHourStat.objects.values_list("messages", flat=True)) == 12
    assert MessageDayHourStat.objects.get(day=date(2026, 3, 2), hour=9, sender="customer").messages == 2
    again = analytics_rollup()
    assert again.days == [date(2026, 3, 14), date(2026, 3, 15)]  # only the last closed days are redone
    assert _snapshot() == first
    assert analytics_rollup(days=result.days).messages == 12
    assert _snapshot() == first
    assert RollupDay.objects.count() == 17


def test_today_is_never_rolled_up(world):
    assert analytics_rollup(days=[date(2026, 3, 16), date(2026, 3, 17)]).days == []
    assert not RollupDay.objects.filter(day__gte=date(2026, 3, 16)).exists()


@pytest.mark.parametrize("params", [{}, {"channel": "instagram"}, {"channel": "whatsapp"}, {"operator": "claro"},
                                    {"team": "other"}, {"agent": "agent2"}])
def test_figures_are_equal_with_and_without_the_rollup(world, params):
    analytics_rollup()
    resolved = dict(params)
    if params.get("operator"):
        resolved["operator"] = str(world.claro.pk)
    if params.get("team"):
        resolved["team"] = str(world.other_team.pk)
    if params.get("agent"):
        resolved["agent"] = str(world.agent2.pk)
    for user in (world.admin, world.supervisor):
        if user is world.supervisor and "team" in params:
            continue
        filters = filters_from_params({**PARAMS, **resolved}, user=user)
        with_rollup = conversations_analytics(user=user, filters=filters, use_cache=False)
        without = conversations_analytics(user=user, filters=filters, use_cache=False, use_rollup=False)
        assert with_rollup == without
        assert dashboard_data(user=user, filters=filters, use_cache=False) == dashboard_data(
            user=user, filters=filters, use_cache=False, use_rollup=False)


def test_supervisor_sees_a_conversation_they_hold_on_another_team_number_the_same_from_the_rollup(world):
    # A supervisor of no team of their own (they lead Lima) holds C4, on Norte's number: Norte's by its team, theirs
    # by its holder. The per-team counts leave it out; the detailed rows bring it back.
    User.objects.filter(pk=world.supervisor.pk).update(team=None)
    Conversation.objects.filter(pk=world.conversations["C4"].pk).update(assignee=world.supervisor)
    supervisor = User.objects.get(pk=world.supervisor.pk)
    analytics_rollup()
    filters = filters_from_params(PARAMS, user=supervisor)
    with_rollup = conversations_analytics(user=supervisor, filters=filters, use_cache=False)
    live = conversations_analytics(user=supervisor, filters=filters, use_cache=False, use_rollup=False)
    assert with_rollup["peak_hours"] == live["peak_hours"]
    assert with_rollup["peak_hours"][3][11] == 1  # Thursday 11h: C4's customer
    assert with_rollup["messages"] == live["messages"]


def test_closed_days_are_read_from_the_rollup_and_today_from_the_messages(world):
    filters = filters_from_params(PARAMS, user=world.admin)
    analytics_rollup()
    Message.objects.filter(conversation=world.conversations["C1"]).delete()  # Monday 2 March, 9h: 2 from customers
    message(world.conversations["C3"], "customer", at(3, 16, 11))  # today: read live
    with_rollup = conversations_analytics(user=world.admin, filters=filters, use_cache=False)
    live = conversations_analytics(user=world.admin, filters=filters, use_cache=False, use_rollup=False)
    assert with_rollup["peak_hours"][0][9] == 2 and live["peak_hours"][0][9] == 0
    assert with_rollup["peak_hours"][0][11] == live["peak_hours"][0][11] == 1
    analytics_rollup(days=[date(2026, 3, 2)])
    assert conversations_analytics(user=world.admin, filters=filters, use_cache=False)["peak_hours"][0][9] == 0


def test_ai_spend_of_closed_days_is_read_from_the_rollup_and_today_from_the_requests(world):
    filters = filters_from_params(PARAMS, user=world.admin)
    analytics_rollup()
    # A row for every closed day rolled up, zero where nothing was spent: 0.50 on 2 March, 1.25 on 10 March.
    assert AISpendDay.objects.count() == 17
    assert dict(AISpendDay.objects.exclude(requests=0).values_list("day", "cost_usd")) == {
        date(2026, 3, 2): Decimal("0.5"), date(2026, 3, 10): Decimal("1.25")}
    AIRequest.objects.filter(created_at=at(3, 2)).delete()  # gone from the requests, still in the rollup
    today = AIRequest.objects.create(provider="openai", purpose="reply", cost_usd=Decimal("0.25"))
    stamp(today, created_at=at(3, 16, 9))
    spend = conversations_analytics(user=world.admin, filters=filters, use_cache=False)["ai_spend"]
    live = conversations_analytics(user=world.admin, filters=filters, use_cache=False, use_rollup=False)["ai_spend"]
    assert (spend["spend_usd"], live["spend_usd"]) == (2.0, 1.5)
    assert spend["by_month"] == [{"month": "2026-03", "spend_usd": 2.0}]
    analytics_rollup(days=[date(2026, 3, 2)])
    assert conversations_analytics(user=world.admin, filters=filters, use_cache=False)["ai_spend"] == live


def test_the_beat_task_runs_the_rollup(world):
    assert analytics_rollup_task() == {"days": 17, "rows": len(_snapshot()), "messages": 12}
    assert analytics_rollup_task()["days"] == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_rollups_at_once_leave_one_count_per_day(world):
    results = run_together([lambda: analytics_rollup(now=NOW).messages for _ in range(3)])
    assert all(not isinstance(r, BaseException) for r in results), results
    assert sum(MessageHourStat.objects.values_list("messages", flat=True)) == 12
    assert RollupDay.objects.count() == 17
