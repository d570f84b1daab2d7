"""The collector's reads: the work list (money, filters, order, a pinned query count) and the calendar of
follow-ups, promises and instalments, scoped like debts."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Role, Team
from agreements.models import CollectionAction, ContactStatus
from agreements.selectors import (
    FOLLOWUP,
    INSTALLMENT,
    PROMISE,
    WorkFilters,
    calendar_agents,
    calendar_teams,
    collection_calendar,
    collection_work_list,
)
from agreements.services import agreement_create, collection_action_log, payment_record
from conftest import make_user
from tests.agreements.factories import DebtFactory

pytestmark = pytest.mark.django_db
CALL = CollectionAction.Kind.CALL


def today():
    return timezone.localdate()


def _promise(actor, debt, days=3, amount="200.00"):
    return collection_action_log(actor=actor, debt=debt, kind=CALL, result=ContactStatus.PROMISE_TO_PAY,
                                 promised_amount=amount, promised_date=today() + timedelta(days=days))


# --- work list ----------------------------------------------------------------------------------------------------
def test_work_list_shows_paid_and_outstanding_when_payments_were_made(agent):
    debt = DebtFactory(assignee=agent)
    agreement = agreement_create(actor=agent, debt=debt, discount_percent=0, installments=4,
                                 first_due_date=today() + timedelta(days=1))
    payment_record(actor=agent, agreement=agreement, amount=Decimal("250.00"))
    payment_record(actor=agent, agreement=agreement, amount=Decimal("100.00"))
    row = collection_work_list(user=agent).get()
    assert (row.paid, row.outstanding) == (Decimal("350.00"), Decimal("650.00"))
    assert [a.pk for a in row.open_agreements] == [agreement.pk]


def test_work_list_hides_settled_debts_when_not_asked_for_them(agent):
    debt = DebtFactory(assignee=agent, original_amount=Decimal("100.00"))
    agreement = agreement_create(actor=agent, debt=debt, discount_percent=0, installments=1,
                                 first_due_date=today())
    payment_record(actor=agent, agreement=agreement, amount=Decimal("100.00"))
    assert list(collection_work_list(user=agent)) == []
    assert list(collection_work_list(user=agent, filters=WorkFilters(settled=True))) == [debt]


def test_work_list_is_scoped_when_an_agent_or_a_supervisor_reads_it(agent, other_agent, supervisor):
    mine, theirs, unassigned = DebtFactory(assignee=agent), DebtFactory(assignee=other_agent), DebtFactory()
    assert set(collection_work_list(user=agent)) == {mine}
    assert set(collection_work_list(user=supervisor)) == {mine, unassigned}
    assert set(collection_work_list(user=other_agent)) == {theirs}


def test_work_list_narrows_when_filtered_by_status_campaign_search_or_due_today(agent):
    promised = DebtFactory(assignee=agent, campaign="Cartera abril")
    _promise(agent, promised, days=0)  # follow-up today at 09:00
    later = DebtFactory(assignee=agent)
    _promise(agent, later, days=5)
    quiet = DebtFactory(assignee=agent, reference="XYZ-1")
    assert set(collection_work_list(user=agent, filters=WorkFilters(status=ContactStatus.PROMISE_TO_PAY))) == {
        promised, later}
    assert set(collection_work_list(user=agent, filters=WorkFilters(campaign="Cartera abril"))) == {promised}
    assert set(collection_work_list(user=agent, filters=WorkFilters(q="XYZ"))) == {quiet}
    assert set(collection_work_list(user=agent, filters=WorkFilters(due_today=True))) == {promised}


def test_work_list_puts_the_most_urgent_first_and_none_last_when_follow_ups_differ(agent):
    none, later, sooner = DebtFactory(assignee=agent), DebtFactory(assignee=agent), DebtFactory(assignee=agent)
    _promise(agent, later, days=6)
    _promise(agent, sooner, days=2)
    assert list(collection_work_list(user=agent)) == [sooner, later, none]


def test_work_list_takes_a_fixed_number_of_queries_when_there_are_many_debts(agent):
    for _ in range(6):
        debt = DebtFactory(assignee=agent)
        agreement_create(actor=agent, debt=debt, discount_percent=0, installments=2,
                         first_due_date=today() + timedelta(days=1))
    with CaptureQueriesContext(connection) as queries:
        rows = list(collection_work_list(user=agent))
        assert all(row.contact.name is not None and row.open_agreements for row in rows)
    assert len(rows) == 6 and len(queries) == 2  # the debts with their money, then the open agreements


# --- calendar -------------------------------------------------------------------------------------------------------
@pytest.fixture
def team_b(db):
    return Team.objects.create(name="Equipo B")


@pytest.fixture
def agent_b(team_b):
    return make_user("agente_b", Role.AGENT, team_b)


@pytest.fixture
def supervisor_b(team_b):
    user = make_user("supervisor_b", Role.SUPERVISOR, team_b)
    team_b.supervisor = user
    team_b.save()
    return user


@pytest.fixture
def week_of_work(agent, agent_b):
    """A promise, a follow-up and an instalment on team A's debt; a promise on team B's."""
    debt_a = DebtFactory(assignee=agent)
    agreement_create(actor=agent, debt=debt_a, discount_percent=0, installments=2,
                     first_due_date=today() + timedelta(days=2), interval_days=30)
    _promise(agent, debt_a, days=1, amount="150.00")
    collection_action_log(actor=agent, debt=debt_a, kind=CALL, result=ContactStatus.NO_ANSWER,
                          next_step="Call again", next_step_at=timezone.now() + timedelta(days=3))
    debt_b = DebtFactory(assignee=agent_b)
    _promise(agent_b, debt_b, days=1, amount="80.00")
    return debt_a, debt_b


def _kinds(entries):
    return sorted((e.kind, e.debt.pk) for e in entries)


def test_calendar_lists_follow_ups_promises_and_instalments_when_they_fall_in_the_range(agent, week_of_work):
    debt_a, _ = week_of_work
    entries = collection_calendar(user=agent, start=today(), end=today() + timedelta(days=6))
    assert _kinds(entries) == sorted([(FOLLOWUP, debt_a.pk), (PROMISE, debt_a.pk), (INSTALLMENT, debt_a.pk)])
    promise = next(e for e in entries if e.kind == PROMISE)
    assert (promise.when, promise.amount, promise.agent, promise.contact_name) == (
        today() + timedelta(days=1), Decimal("150.00"), agent, debt_a.contact.name)
    instalment = next(e for e in entries if e.kind == INSTALLMENT)
    assert (instalment.amount, instalment.label, instalment.is_all_day) == (Decimal("500.00"), "1/2", True)
    followup = next(e for e in entries if e.kind == FOLLOWUP)
    assert followup.label == "Call again" and not followup.is_all_day
    assert [e.day for e in entries] == sorted(e.day for e in entries)


def test_calendar_leaves_out_entries_when_they_fall_outside_the_range(agent, week_of_work):
    assert collection_calendar(user=agent, start=today() + timedelta(days=4), end=today() + timedelta(days=20)) == []


def test_calendar_drops_a_follow_up_when_a_later_action_superseded_it(agent, week_of_work):
    debt_a, _ = week_of_work
    collection_action_log(actor=agent, debt=debt_a, kind=CALL, result=ContactStatus.REFUSED)
    entries = collection_calendar(user=agent, start=today(), end=today() + timedelta(days=6))
    assert FOLLOWUP not in {e.kind for e in entries}


def test_calendar_leaves_out_paid_instalments_when_they_are_paid(agent, week_of_work):
    debt_a, _ = week_of_work
    payment_record(actor=agent, agreement=debt_a.agreements.get(), amount=Decimal("500.00"))
    entries = collection_calendar(user=agent, start=today(), end=today() + timedelta(days=6))
    assert INSTALLMENT not in {e.kind for e in entries}


def test_calendar_has_no_team_b_entries_when_a_supervisor_of_team_a_reads_it(supervisor, supervisor_b, week_of_work):
    debt_a, debt_b = week_of_work
    window = {"start": today(), "end": today() + timedelta(days=6)}
    assert {e.debt.pk for e in collection_calendar(user=supervisor, **window)} == {debt_a.pk}
    assert {e.debt.pk for e in collection_calendar(user=supervisor_b, **window)} == {debt_b.pk}
    # Naming team B or its agent does not widen a supervisor of team A's view.
    team_b = debt_b.assignee.team
    assert collection_calendar(user=supervisor, team_id=team_b.pk, **window) == []
    assert collection_calendar(user=supervisor, agent_id=debt_b.assignee_id, **window) == []


def test_calendar_of_an_agent_has_only_their_debts_when_others_have_work(agent, agent_b, week_of_work):
    debt_a, debt_b = week_of_work
    window = {"start": today(), "end": today() + timedelta(days=6)}
    assert {e.debt.pk for e in collection_calendar(user=agent, **window)} == {debt_a.pk}
    assert {e.debt.pk for e in collection_calendar(user=agent, agent_id=agent_b.pk, **window)} == set()


def test_calendar_filters_by_team_and_agent_when_an_admin_narrows_it(admin_user, agent, agent_b, week_of_work):
    debt_a, debt_b = week_of_work
    window = {"start": today(), "end": today() + timedelta(days=6)}
    assert {e.debt.pk for e in collection_calendar(user=admin_user, **window)} == {debt_a.pk, debt_b.pk}
    assert {e.debt.pk for e in collection_calendar(user=admin_user, team_id=agent_b.team_id, **window)} == {
        debt_b.pk}
    assert {e.debt.pk for e in collection_calendar(user=admin_user, agent_id=agent.pk, **window)} == {debt_a.pk}


def test_calendar_filter_choices_are_her_teams_and_people_when_a_supervisor_filters(supervisor, agent, agent_b, team):
    assert list(calendar_teams(user=supervisor)) == [team]
    assert set(calendar_agents(user=supervisor)) == {supervisor, agent}
    assert list(calendar_teams(user=agent)) == [] and list(calendar_agents(user=agent)) == []


def test_calendar_takes_three_queries_when_the_week_is_full(agent, week_of_work):
    for _ in range(3):
        debt = DebtFactory(assignee=agent)
        agreement_create(actor=agent, debt=debt, discount_percent=0, installments=2,
                         first_due_date=today() + timedelta(days=1))
        _promise(agent, debt, days=2)
    with CaptureQueriesContext(connection) as queries:
        entries = collection_calendar(user=agent, start=today(), end=today() + timedelta(days=6))
        assert all(e.debt.contact.pk and e.agent == agent for e in entries)
    assert len(entries) == 3 + 3 * 2 and len(queries) == 3  # follow-ups, promises, instalments
