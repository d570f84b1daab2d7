"""Collection work: the log of what a collector did about a debt (call, message, visit), what came of it and
what comes next, and the notice when a follow-up falls due.

The latest action sets the debt's contact status and its next follow-up (``Debt.next_action_at``): the next
step's time, else the promised payment day at 09:00 local time, else none. A promise to pay names a day that
is not past and an amount no larger than what is still owed.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from agreements.models import CollectionAction, ContactStatus, Debt, PaymentAgreement
from agreements.selectors import debt_visible_queryset
from agreements.services.agreements import agreement_create
from agreements.services.common import FIRST_DUE_MAX_DAYS, InvalidAmountError, InvalidDateError, money
from agreements.services.debts import debt_outstanding
from core.errors import ApplicationError, PermissionDeniedError
from core.money import format_money
from notifications.services import notification_create

logger = logging.getLogger(__name__)

FOLLOWUP_KIND = "collection.followup_due"
PROMISE_FOLLOWUP_AT = time(9, 0)  # a promise to pay is checked on its day at this local time
NOTES_MAX = 4000
# A follow-up older than this when the job first sees it is not announced (a job that was down for a week
# should not ring every old follow-up at once); it still shows as overdue on the work list.
FOLLOWUP_LOOKBACK = timedelta(days=2)
PAST_TOLERANCE = timedelta(minutes=5)  # a next step "now" typed a minute ago is not in the past


class InvalidResultError(ApplicationError):
    code = "invalid_result"


def _ensure_may_work(actor: User, debt: Debt) -> None:
    """The debt's agent, a supervisor who sees it, or an admin. Back office records payments, not calls."""
    if actor.is_backoffice:
        raise PermissionDeniedError(_("Back office does not log collection actions."))
    if actor.is_agent and debt.assignee_id != actor.pk:
        raise PermissionDeniedError(_("This debt is assigned to someone else."))
    if not debt_visible_queryset(user=actor).filter(pk=debt.pk).exists():
        raise PermissionDeniedError(_("This debt is assigned to someone else."))


def _promise_follow_up(promised_date: date) -> datetime:
    return timezone.make_aware(datetime.combine(promised_date, PROMISE_FOLLOWUP_AT))


@transaction.atomic
def collection_action_log(
    *,
    actor: User,
    debt: Debt,
    kind: str,
    result: str,
    notes: str = "",
    promised_amount: Decimal | int | str | None = None,
    promised_date: date | None = None,
    next_step: str = "",
    next_step_at: datetime | None = None,
) -> CollectionAction:
    """Log one collection action on ``debt`` and move the debt's contact status and next follow-up."""
    _ensure_may_work(actor, debt)
    if kind not in CollectionAction.Kind.values:
        raise ApplicationError(_("Choose how you reached the debtor."), code="invalid_kind")
    if result not in ContactStatus.values or result == ContactStatus.NOT_CONTACTED:
        raise InvalidResultError(_("Choose the result of the action."))
    notes = notes.strip()
    if len(notes) > NOTES_MAX:
        raise ApplicationError(_("Notes are limited to %(max)d characters.") % {"max": NOTES_MAX},
                               code="notes_too_long")
    next_step = next_step.strip()
    if len(next_step) > 200:
        raise ApplicationError(_("The next step is limited to 200 characters."), code="next_step_too_long")
    now = timezone.now()
    if next_step_at is not None and next_step_at < now - PAST_TOLERANCE:
        raise InvalidDateError(_("The next step cannot be in the past."), extra={"field": "next_step_at"})
    if next_step and next_step_at is None:
        raise InvalidDateError(_("Say when the next step is due."), extra={"field": "next_step_at"})

    debt = Debt.objects.select_for_update().get(pk=debt.pk)  # one status move at a time
    amount: Decimal | None = None
    if result == ContactStatus.PROMISE_TO_PAY:
        if promised_date is None:
            raise InvalidDateError(_("A promise to pay needs the day the debtor will pay."),
                                   extra={"field": "promised_date"})
        today = timezone.localdate(now)
        if promised_date < today:
            raise InvalidDateError(_("The promised payment day cannot be in the past."),
                                   extra={"field": "promised_date"})
        if promised_date > today + timedelta(days=FIRST_DUE_MAX_DAYS):
            raise InvalidDateError(
                _("The promised payment day must be within %(days)d days.") % {"days": FIRST_DUE_MAX_DAYS},
                extra={"field": "promised_date"},
            )
        if promised_amount in (None, ""):
            raise InvalidAmountError(_("A promise to pay needs the amount promised."),
                                     extra={"field": "promised_amount"})
        amount = money(promised_amount)  # type: ignore[arg-type]
        if amount <= 0:
            raise InvalidAmountError(_("The promised amount must be greater than zero."),
                                     extra={"field": "promised_amount"})
        outstanding = debt_outstanding(debt=debt)
        if amount > outstanding:
            raise InvalidAmountError(
                _("The promised amount exceeds what is owed (%(outstanding)s).")
                % {"outstanding": format_money(outstanding, debt.currency)},
                extra={"field": "promised_amount", "outstanding": str(outstanding)},
            )
    else:
        promised_date = None  # only a promise carries a day and an amount

    action = CollectionAction(
        debt=debt, agent=actor, kind=kind, result=result, notes=notes, promised_amount=amount,
        promised_date=promised_date, next_step=next_step, next_step_at=next_step_at,
    )
    action.full_clean()
    action.save()
    debt.contact_status = result
    debt.last_action_at = action.created_at
    if next_step_at is not None:
        debt.next_action_at = next_step_at
    elif promised_date is not None:
        debt.next_action_at = _promise_follow_up(promised_date)
    else:
        debt.next_action_at = None  # the latest action says what comes next; nothing, here
    debt.save(update_fields=["contact_status", "last_action_at", "next_action_at", "updated_at"])
    return action


@transaction.atomic
def collection_agreement_create(
    *,
    actor: User,
    debt: Debt,
    discount_percent: Decimal | int | str,
    installments: int,
    first_due_date: date,
    interval_days: int = 30,
    notes: str = "",
) -> PaymentAgreement:
    """``agreement_create`` from the collector's screen: the debt's contact status becomes "agreement"."""
    agreement = agreement_create(
        actor=actor, debt=debt, discount_percent=discount_percent, installments=installments,
        first_due_date=first_due_date, interval_days=interval_days, notes=notes,
    )
    Debt.objects.filter(pk=debt.pk).update(
        contact_status=ContactStatus.AGREEMENT, last_action_at=timezone.now(), updated_at=timezone.now()
    )
    return agreement


def _latest_action_q():  # type: ignore[no-untyped-def]
    """No later action on the same debt: a follow-up is superseded once the collector logs the next action."""
    newer = CollectionAction.objects.filter(debt_id=OuterRef("debt_id"), created_at__gt=OuterRef("created_at"))
    return ~Exists(newer)


def collection_followups_notify(*, now: datetime | None = None) -> int:
    """A ``collection.followup_due`` notice to the debt's collector for each follow-up whose time has come;
    once per action (dedupe key ``action:<id>``), however often the job runs. How many were sent."""
    now = now or timezone.now()
    due = (
        CollectionAction.objects.filter(next_step_at__lte=now, next_step_at__gte=now - FOLLOWUP_LOOKBACK)
        .filter(_latest_action_q())
        .select_related("debt__contact", "debt__assignee", "agent")
        .order_by("next_step_at", "pk")
    )
    sent = 0
    with translation.override(settings.LANGUAGE_CODE):
        for action in due.iterator(chunk_size=500):
            user = action.debt.assignee or action.agent
            if user is None:
                continue
            contact = action.debt.contact
            title = _("Follow-up due: %(name)s") % {"name": contact.name or contact.phone or action.debt}
            body = action.next_step or _("Follow up on the debt %(debt)s (%(when)s).") % {
                "debt": action.debt,
                "when": formats.date_format(timezone.localtime(action.next_step_at), "SHORT_DATETIME_FORMAT"),
            }
            notice = notification_create(
                user=user, kind=FOLLOWUP_KIND, title=title, body=body,
                url=reverse("collections:debt", args=[action.debt_id]), dedupe_key=f"action:{action.pk}",
            )
            sent += notice is not None
    return sent


def may_log_actions(user: User, debt: Debt) -> bool:
    """For the pages: show the action form? (The service decides again.)"""
    if user.is_backoffice:
        return False
    return not user.is_agent or debt.assignee_id == user.pk
