"""A waiting customer's first-response state: ok, warning at the target's share, breached past due, counted in
business minutes when hours exist, per priority; and the page-sized version's fixed query count."""

from __future__ import annotations

from datetime import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conversations.models import Conversation
from sla.models import ResponseTarget, ServiceHours
from sla.selectors import conversation_sla_state, conversation_sla_states
from tests.sla.conftest import after, hours_for, lima

pytestmark = pytest.mark.django_db


def _state(conversation: Conversation, now):  # type: ignore[no-untyped-def]
    conversation = Conversation.objects.get(pk=conversation.pk)
    return conversation_sla_state(conversation, now=now)


def test_ok_then_warning_then_breached_as_time_passes(company_hours, make_waiting):
    # Normal priority: 60 minutes, amber at 80 % (48 minutes).
    since = lima(7, 10, 0)
    conversation = make_waiting(since)
    ok = _state(conversation, after(since, minutes=30))
    assert (ok.state, ok.due_at, ok.minutes_left, ok.target_minutes) == ("ok", lima(7, 11, 0), 30, 60)
    assert _state(conversation, after(since, minutes=47)).state == "ok"
    warning = _state(conversation, after(since, minutes=48))
    assert (warning.state, warning.minutes_left) == ("warning", 12)
    assert _state(conversation, after(since, minutes=60)).state == "warning"  # due, not yet past it
    late = _state(conversation, after(since, minutes=75))
    assert (late.state, late.minutes_left, late.is_late) == ("breached", -15, True)


def test_each_priority_has_its_own_target(company_hours, make_waiting):
    since = lima(7, 10, 0)
    urgent = make_waiting(since, priority="urgent")  # 15 min
    high = make_waiting(since, name="Luis Flores", priority="high")  # 30 min
    low = make_waiting(since, name="Ana Torres", priority="low")  # 4 h
    now = after(since, minutes=20)
    assert [_state(c, now).state for c in (urgent, high, low)] == ["breached", "ok", "ok"]
    now = after(since, minutes=25)
    assert [_state(c, now).state for c in (urgent, high, low)] == ["breached", "warning", "ok"]
    ResponseTarget.objects.filter(priority="low").update(minutes=20, warning_percent=50)
    assert _state(low, after(since, minutes=11)).state == "warning"
    ResponseTarget.objects.filter(priority="low").delete()  # no target, no clock
    assert _state(low, after(since, days=3)).state == "none"


def test_the_clock_stops_while_the_service_is_closed(company_hours, make_waiting):
    since = lima(11, 17, 30)  # Friday, half an hour before closing
    conversation = make_waiting(since)
    saturday = _state(conversation, lima(12, 12, 0))
    assert saturday.state == "ok" and saturday.due_at == lima(14, 9, 30)  # Monday: the other half hour
    assert _state(conversation, lima(14, 9, 17)).state == "ok"  # 47 business minutes gone
    assert _state(conversation, lima(14, 9, 18)).state == "warning"  # 48
    assert _state(conversation, lima(14, 9, 31)).state == "breached"


def test_without_business_hours_the_clock_runs_around_the_clock(make_waiting):
    conversation = make_waiting(lima(12, 23, 30))
    state = _state(conversation, lima(13, 0, 15))
    assert state.state == "ok" and state.due_at == lima(13, 0, 30)


def test_no_state_when_nobody_waits_or_the_conversation_is_resolved_or_snoozed(company_hours, make_waiting):
    since = lima(7, 10, 0)
    later = after(since, hours=3)
    answered = make_waiting(since, waiting_since=None)
    resolved = make_waiting(since, name="Luis Flores", status="resolved")
    snoozed = make_waiting(since, name="Ana Torres", status="snoozed")
    pending = make_waiting(since, name="Pedro Ruiz", status="pending")
    assert [_state(c, later).state for c in (answered, resolved, snoozed, pending)] == [
        "none", "none", "none", "breached"]


def test_the_assignees_team_hours_decide(company_hours, make_waiting, other_agent, other_team):
    own = ServiceHours.objects.create(team=other_team, timezone="America/Bogota")
    hours_for(own, range(7), (time(0), time(0)))  # the other team works around the clock
    since = lima(12, 10, 0)  # Saturday: the company is closed
    mine = make_waiting(since)
    theirs = make_waiting(since, name="Luis Flores", assignee=other_agent)
    now = after(since, minutes=90)
    assert _state(mine, now).state == "ok"
    assert _state(theirs, now).state == "breached"


def test_a_page_of_states_costs_the_same_queries_for_3_and_30_conversations(company_hours, make_waiting, agent):
    since = lima(7, 10, 0)

    def count(n: int) -> int:
        Conversation.objects.all().delete()
        for i in range(n):
            make_waiting(since, name=f"Cliente {i}", assignee=agent if i % 2 else None,
                         priority=["low", "normal", "high", "urgent"][i % 4])
        page = list(Conversation.objects.all())  # nothing joined: the selector fetches the teams itself
        with CaptureQueriesContext(connection) as queries:
            states = conversation_sla_states(page, now=after(since, minutes=50))
        assert len(states) == n and {s.state for s in states.values()} <= {"ok", "warning", "breached"}
        return len(queries)

    assert count(3) == count(30) <= 6
