"""SLA clocks: due times from the policy, warning at its share of the time, breach past the due time. Time is
moved with time-machine, never waited for."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from notifications.models import Notification
from tests.tickets.factories import make_conversation
from tickets.models import SlaPolicy, Ticket, TicketEvent
from tickets.selectors import ticket_get_for_user
from tickets.services import ticket_comment_add, ticket_create, ticket_update, tickets_check_sla
from tickets.sla import ticket_sla

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)  # a Monday, 09:00 in Lima


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def high_policy():
    # High: first answer within 2 hours, resolved within 24 hours, warned at 75 %.
    return SlaPolicy.objects.filter(priority="high").update(first_response_minutes=120, resolution_minutes=24 * 60,
                                                           warning_percent=75)


def open_ticket(actor, **kwargs):
    kwargs.setdefault("priority", "high")
    return ticket_create(actor=actor, subject="El router no enciende", **kwargs)


def test_due_times_follow_the_priority_policy_when_ticket_opens(clock, high_policy, agent):
    ticket = open_ticket(agent)
    assert ticket.first_response_due_at == START + timedelta(hours=2)
    assert ticket.resolution_due_at == START + timedelta(hours=24)


def test_default_terms_apply_when_the_policy_row_is_missing(clock, agent):
    SlaPolicy.objects.filter(priority="critical").delete()
    ticket = open_ticket(agent, priority="critical")
    assert ticket.first_response_due_at == START + timedelta(minutes=30)
    assert ticket.resolution_due_at == START + timedelta(hours=8)


def test_clock_is_ok_then_warning_then_breached_when_time_moves(clock, high_policy, agent):
    ticket = open_ticket(agent)
    seen = ticket_get_for_user(user=agent, ticket_id=ticket.pk)
    assert ticket_sla(seen).state == "ok"
    assert (ticket_sla(seen).which, ticket_sla(seen).remaining_seconds) == ("first_response", 7200)
    clock.shift(timedelta(minutes=89))  # 74 % of two hours
    assert ticket_sla(seen).state == "ok"
    clock.shift(timedelta(minutes=1))  # 75 %
    assert ticket_sla(seen).state == "warning"
    clock.shift(timedelta(minutes=31))  # past the due time
    status = ticket_sla(seen)
    assert (status.state, status.which, status.remaining_seconds) == ("breached", "first_response", -60)


def test_resolution_clock_counts_when_first_response_was_given(clock, high_policy, agent):
    ticket = open_ticket(agent, conversation=make_conversation(assignee=agent))
    clock.shift(timedelta(minutes=30))
    ticket_comment_add(actor=agent, ticket=ticket, body="Estamos revisando su caso.", visibility="customer")
    clock.shift(timedelta(hours=3))  # the first-response due time has passed, but it was met
    status = ticket_sla(ticket_get_for_user(user=agent, ticket_id=ticket.pk))
    assert (status.state, status.which) == ("ok", "resolution")


def test_check_warns_once_with_history_and_notice_when_run_twice(clock, high_policy, agent):
    ticket = open_ticket(agent)
    clock.shift(timedelta(minutes=95))
    assert tickets_check_sla().warned == 1
    assert tickets_check_sla().warned == 0  # the next minute's run: nothing new
    ticket.refresh_from_db()
    assert ticket.sla_warned_at == START + timedelta(minutes=95)
    event = ticket.events.get(kind=TicketEvent.Kind.SLA_WARNING)
    assert event.field == "first_response"
    assert Notification.objects.filter(user=agent, kind="ticket.sla_warning").count() == 1


def test_check_marks_breach_once_and_notifies_assignee_when_first_response_is_late(clock, high_policy, agent):
    ticket = open_ticket(agent)
    clock.shift(timedelta(hours=2, minutes=1))
    result = tickets_check_sla()
    assert (result.breached, result.warned) == (1, 0)  # late already: no warning after the fact
    assert tickets_check_sla().breached == 0
    ticket.refresh_from_db()
    assert ticket.is_first_response_breached and not ticket.is_resolution_breached
    assert list(ticket.events.filter(kind=TicketEvent.Kind.SLA_BREACHED).values_list("field", flat=True)) == [
        "first_response"]
    assert Notification.objects.filter(user=agent, kind="ticket.sla_breached").count() == 1


def test_check_marks_resolution_breach_when_the_ticket_is_still_open_past_its_due_time(clock, high_policy, agent):
    ticket = open_ticket(agent)
    clock.shift(timedelta(hours=25))
    assert tickets_check_sla().breached == 2
    ticket.refresh_from_db()
    assert ticket.is_first_response_breached and ticket.is_resolution_breached


def test_check_notifies_the_team_supervisor_when_nobody_holds_the_ticket(clock, high_policy, supervisor, team):
    ticket = ticket_create(actor=None, subject="Sin asignar", priority="high", team=team)  # no agent on the team
    assert ticket.assignee is None
    clock.shift(timedelta(hours=3))
    tickets_check_sla()
    assert Notification.objects.filter(user=supervisor, kind="ticket.sla_breached").exists()


def test_check_leaves_ticket_alone_when_it_was_resolved_in_time(clock, high_policy, agent, supervisor):
    ticket = open_ticket(agent)
    clock.shift(timedelta(minutes=10))
    ticket_update(actor=agent, ticket=ticket, state="resolved")
    clock.shift(timedelta(days=3))
    assert tickets_check_sla() == type(tickets_check_sla())(warned=0, breached=0)
    ticket.refresh_from_db()
    assert ticket_sla(ticket).state == "met"
    assert not ticket.events.filter(kind__in=[TicketEvent.Kind.SLA_WARNING, TicketEvent.Kind.SLA_BREACHED]).exists()


def test_priority_change_sets_new_due_times_from_creation_when_priority_rises(clock, high_policy, agent, supervisor):
    ticket = open_ticket(agent, priority="low")
    clock.shift(timedelta(hours=1))
    ticket_update(actor=supervisor, ticket=ticket, priority="high")
    ticket.refresh_from_db()
    assert ticket.first_response_due_at == START + timedelta(hours=2)
    assert ticket.resolution_due_at == START + timedelta(hours=24)


def test_resolving_late_marks_the_resolution_breach_when_the_check_has_not_run(clock, high_policy, agent):
    ticket = open_ticket(agent)
    clock.shift(timedelta(hours=30))
    ticket = ticket_update(actor=agent, ticket=ticket, state="resolved")
    assert ticket.is_resolution_breached
    assert ticket_sla(Ticket.objects.get(pk=ticket.pk)).state == "breached"


def test_beat_task_runs_the_check_when_called(clock, high_policy, agent):
    from tickets.tasks import tickets_check_sla_task

    open_ticket(agent)
    clock.shift(timedelta(minutes=100))
    assert tickets_check_sla_task() == {"warned": 1, "breached": 0}
    assert tickets_check_sla_task() == {"warned": 0, "breached": 0}
