"""Collection work: who may log an action on a debt, the promise-to-pay rules, the status and follow-up the log
moves, the agreement made from the screen, and the follow-up notice sent once."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone, translation

from agreements.models import CollectionAction, ContactStatus, PaymentAgreement
from agreements.services import (
    InvalidAmountError,
    InvalidDateError,
    InvalidResultError,
    agreement_create,
    collection_action_log,
    collection_agreement_create,
    collection_followups_notify,
    payment_record,
)
from agreements.tasks import collection_followups_notify_task
from core.errors import ApplicationError, PermissionDeniedError
from notifications import kinds
from notifications.models import Notification
from tests.agreements.factories import DebtFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():  # type: ignore[no-untyped-def]
    """The messages are read in English, whatever the catalogue translates."""
    with translation.override("en"):
        yield

CALL = CollectionAction.Kind.CALL
PROMISE = ContactStatus.PROMISE_TO_PAY


def today():
    return timezone.localdate()


@pytest.fixture
def debt(agent):
    return DebtFactory(assignee=agent)


def _promise(actor, debt, *, amount="300.00", day=None, **extra):
    return collection_action_log(actor=actor, debt=debt, kind=CALL, result=PROMISE, promised_amount=amount,
                                 promised_date=day or today() + timedelta(days=3), **extra)


# --- who may log -----------------------------------------------------------------------------------------------
def test_action_is_refused_when_an_agent_logs_on_another_agents_debt(other_agent, debt):
    with pytest.raises(PermissionDeniedError):
        collection_action_log(actor=other_agent, debt=debt, kind=CALL, result=ContactStatus.NO_ANSWER)
    assert not CollectionAction.objects.exists()


def test_action_is_refused_when_an_agent_logs_on_an_unassigned_debt(agent):
    with pytest.raises(PermissionDeniedError):
        collection_action_log(actor=agent, debt=DebtFactory(), kind=CALL, result=ContactStatus.NO_ANSWER)


def test_action_is_refused_when_a_supervisor_logs_on_another_teams_debt(supervisor, other_agent):
    with pytest.raises(PermissionDeniedError):
        collection_action_log(actor=supervisor, debt=DebtFactory(assignee=other_agent), kind=CALL,
                              result=ContactStatus.CONTACTED)


def test_action_is_refused_when_back_office_logs_it(backoffice, debt):
    with pytest.raises(PermissionDeniedError):
        collection_action_log(actor=backoffice, debt=debt, kind=CALL, result=ContactStatus.CONTACTED)


def test_action_is_logged_when_the_supervisor_of_the_debts_agent_logs_it(supervisor, debt):
    action = collection_action_log(actor=supervisor, debt=debt, kind=CollectionAction.Kind.VISIT,
                                   result=ContactStatus.CONTACTED)
    assert action.agent == supervisor and action.debt == debt


# --- what an action must say -------------------------------------------------------------------------------------
def test_action_is_refused_when_the_kind_is_unknown(agent, debt):
    with pytest.raises(ApplicationError) as exc:
        collection_action_log(actor=agent, debt=debt, kind="fax", result=ContactStatus.CONTACTED)
    assert exc.value.code == "invalid_kind"


@pytest.mark.parametrize("result", ["", "paid", ContactStatus.NOT_CONTACTED])
def test_action_is_refused_when_the_result_is_not_an_outcome(agent, debt, result):
    with pytest.raises(InvalidResultError):
        collection_action_log(actor=agent, debt=debt, kind=CALL, result=result)


def test_action_is_refused_when_the_notes_are_too_long(agent, debt):
    with pytest.raises(ApplicationError) as exc:
        collection_action_log(actor=agent, debt=debt, kind=CALL, result=ContactStatus.CONTACTED, notes="x" * 4001)
    assert exc.value.code == "notes_too_long"


def test_action_is_refused_when_the_next_step_is_too_long(agent, debt):
    with pytest.raises(ApplicationError) as exc:
        collection_action_log(actor=agent, debt=debt, kind=CALL, result=ContactStatus.CONTACTED, next_step="x" * 201,
                              next_step_at=timezone.now() + timedelta(hours=1))
    assert exc.value.code == "next_step_too_long"


def test_action_is_refused_when_the_next_step_is_in_the_past(agent, debt):
    with pytest.raises(InvalidDateError) as exc:
        collection_action_log(actor=agent, debt=debt, kind=CALL, result=ContactStatus.NO_ANSWER,
                              next_step="Call again", next_step_at=timezone.now() - timedelta(hours=1))
    assert exc.value.extra["field"] == "next_step_at"


def test_action_is_refused_when_a_next_step_has_no_time(agent, debt):
    with pytest.raises(InvalidDateError) as exc:
        collection_action_log(actor=agent, debt=debt, kind=CALL, result=ContactStatus.NO_ANSWER,
                              next_step="Call again")
    assert exc.value.extra["field"] == "next_step_at"


# --- promise to pay ------------------------------------------------------------------------------------------------
def test_promise_is_refused_when_it_has_no_date(agent, debt):
    with pytest.raises(InvalidDateError) as exc:
        collection_action_log(actor=agent, debt=debt, kind=CALL, result=PROMISE, promised_amount="100.00")
    assert exc.value.code == "invalid_date" and exc.value.extra["field"] == "promised_date"
    assert "day the debtor will pay" in exc.value.message
    debt.refresh_from_db()
    assert debt.contact_status == ContactStatus.NOT_CONTACTED


def test_promise_is_refused_when_the_date_is_in_the_past(agent, debt):
    with pytest.raises(InvalidDateError) as exc:
        _promise(agent, debt, day=today() - timedelta(days=1))
    assert "cannot be in the past" in exc.value.message


def test_promise_is_refused_when_the_date_is_too_far(agent, debt):
    with pytest.raises(InvalidDateError):
        _promise(agent, debt, day=today() + timedelta(days=91))


def test_promise_is_refused_when_it_has_no_amount(agent, debt):
    with pytest.raises(InvalidAmountError) as exc:
        _promise(agent, debt, amount=None)
    assert exc.value.extra["field"] == "promised_amount"


@pytest.mark.parametrize("amount", ["0", "-5", "10.001"])
def test_promise_is_refused_when_the_amount_is_not_a_positive_amount(agent, debt, amount):
    with pytest.raises(InvalidAmountError):
        _promise(agent, debt, amount=amount)


def test_promise_is_refused_when_the_amount_is_above_what_is_owed(agent, debt):
    agreement = agreement_create(actor=agent, debt=debt, discount_percent=0, installments=2,
                                 first_due_date=today() + timedelta(days=1))
    payment_record(actor=agent, agreement=agreement, amount=Decimal("400.00"))  # 600.00 still owed
    with pytest.raises(InvalidAmountError) as exc:
        _promise(agent, debt, amount="600.01")
    assert exc.value.code == "invalid_amount" and exc.value.extra["outstanding"] == "600.00"
    assert "exceeds what is owed" in exc.value.message
    assert _promise(agent, debt, amount="600.00").promised_amount == Decimal("600.00")


def test_promise_today_is_accepted_when_the_day_is_today(agent, debt):
    assert _promise(agent, debt, day=today()).promised_date == today()


# --- what the log moves -------------------------------------------------------------------------------------------
def test_status_and_follow_up_at_nine_on_the_day_are_set_when_a_promise_is_logged(agent, debt):
    day = today() + timedelta(days=4)
    action = _promise(agent, debt, day=day, notes="Pays on Friday")
    debt.refresh_from_db()
    assert debt.contact_status == PROMISE
    assert debt.last_action_at == action.created_at
    assert debt.next_action_at == timezone.make_aware(datetime.combine(day, time(9, 0)))
    assert (action.promised_amount, action.promised_date, action.agent) == (Decimal("300.00"), day, agent)


def test_next_step_time_becomes_the_follow_up_when_it_is_given(agent, debt):
    at = timezone.now() + timedelta(days=1)
    _promise(agent, debt, next_step="Confirm the transfer", next_step_at=at)
    debt.refresh_from_db()
    assert debt.next_action_at == at


def test_follow_up_is_cleared_when_the_latest_action_names_none(agent, debt):
    collection_action_log(actor=agent, debt=debt, kind=CALL, result=ContactStatus.NO_ANSWER, next_step="Retry",
                          next_step_at=timezone.now() + timedelta(hours=2))
    collection_action_log(actor=agent, debt=debt, kind=CollectionAction.Kind.MESSAGE, result=ContactStatus.REFUSED)
    debt.refresh_from_db()
    assert (debt.contact_status, debt.next_action_at) == (ContactStatus.REFUSED, None)



def test_promise_fields_are_dropped_when_the_result_is_not_a_promise(agent, debt):
    action = collection_action_log(actor=agent, debt=debt, kind=CALL, result=ContactStatus.CONTACTED,
                                   promised_amount="50.00", promised_date=today() + timedelta(days=1))
    assert (action.promised_amount, action.promised_date) == (None, None)


def test_agreement_from_the_screen_sets_the_status_when_it_is_created(agent, debt):
    agreement = collection_agreement_create(actor=agent, debt=debt, discount_percent=10, installments=3,
                                            first_due_date=today() + timedelta(days=5))
    debt.refresh_from_db()
    assert agreement.state == PaymentAgreement.State.ACTIVE and agreement.agreed_total == Decimal("900.00")
    assert debt.contact_status == ContactStatus.AGREEMENT and debt.last_action_at is not None


def test_agreement_from_the_screen_leaves_the_status_when_the_service_refuses(agent, debt):
    with pytest.raises(ApplicationError):
        collection_agreement_create(actor=agent, debt=debt, discount_percent=90, installments=3,
                                    first_due_date=today() + timedelta(days=5))
    debt.refresh_from_db()
    assert debt.contact_status == ContactStatus.NOT_CONTACTED


# --- follow-up notices ----------------------------------------------------------------------------------------------
def test_followup_kind_is_registered_when_the_app_is_ready():
    assert kinds.get("collection.followup_due") is not None


def test_followup_is_notified_once_when_its_time_comes(agent, debt):
    at = timezone.now() + timedelta(hours=2)
    action = collection_action_log(actor=agent, debt=debt, kind=CALL, result=ContactStatus.NO_ANSWER,
                                   next_step="Call after lunch", next_step_at=at)
    assert collection_followups_notify() == 0  # not yet
    with time_machine.travel(at + timedelta(minutes=1), tick=False):
        assert collection_followups_notify() == 1
        assert collection_followups_notify() == 0  # the next run of the job: already told
        assert collection_followups_notify_task() == {"sent": 0}
    notice = Notification.objects.get()
    assert (notice.user, notice.kind, notice.dedupe_key) == (agent, "collection.followup_due", f"action:{action.pk}")
    assert notice.url == f"/collections/debts/{debt.pk}/" and notice.body == "Call after lunch"


def test_followup_is_not_notified_when_a_later_action_superseded_it(agent, debt):
    at = timezone.now() + timedelta(hours=2)
    collection_action_log(actor=agent, debt=debt, kind=CALL, result=ContactStatus.NO_ANSWER, next_step="Retry",
                          next_step_at=at)
    collection_action_log(actor=agent, debt=debt, kind=CALL, result=ContactStatus.CONTACTED, next_step="Visit",
                          next_step_at=at + timedelta(days=2))
    with time_machine.travel(at + timedelta(minutes=1), tick=False):
        assert collection_followups_notify() == 0


def test_followup_goes_to_the_debts_agent_when_a_supervisor_logged_it(supervisor, agent, debt):
    at = timezone.now() + timedelta(hours=1)
    collection_action_log(actor=supervisor, debt=debt, kind=CALL, result=ContactStatus.NO_ANSWER, next_step="Retry",
                          next_step_at=at)
    with time_machine.travel(at + timedelta(minutes=5), tick=False):
        assert collection_followups_notify() == 1
    assert Notification.objects.get().user == agent


def test_followup_is_not_notified_when_it_is_older_than_the_lookback(agent, debt):
    at = timezone.now() + timedelta(hours=1)
    collection_action_log(actor=agent, debt=debt, kind=CALL, result=ContactStatus.NO_ANSWER, next_step="Retry",
                          next_step_at=at)
    with time_machine.travel(at + timedelta(days=3), tick=False):
        assert collection_followups_notify() == 0
