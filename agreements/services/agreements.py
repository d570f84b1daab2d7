"""Payment agreements: the discount, the instalments that sum exactly to the agreed total, activation and
cancellation."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from agreements.events import publish_agreement_event
from agreements.models import CENT, Debt, Installment, PaymentAgreement
from agreements.services.common import (
    FIRST_DUE_MAX_DAYS,
    INTERVAL_DAYS_RANGE,
    AgreementExistsError,
    AgreementStateError,
    DiscountTooHighError,
    InvalidDateError,
    InvalidInstallmentsError,
    State,
    _max_discount,
    split_amount,
)
from agreements.services.debts import debt_outstanding
from core.errors import PermissionDeniedError


def _ensure_may_negotiate(actor: User, debt: Debt) -> None:
    from agreements.selectors import debt_visible_queryset

    if actor.is_backoffice:
        raise PermissionDeniedError(_("Back office cannot negotiate agreements."))
    if actor.is_agent and debt.assignee_id != actor.pk:
        raise PermissionDeniedError(_("This debt is assigned to someone else."))
    if not debt_visible_queryset(user=actor).filter(pk=debt.pk).exists():
        raise PermissionDeniedError(_("This debt is assigned to someone else."))


@transaction.atomic
def agreement_create(
    *,
    actor: User,
    debt: Debt,
    discount_percent: Decimal | int | str,
    installments: int,
    first_due_date: date,
    interval_days: int = 30,
    notes: str = "",
    draft: bool = False,
) -> PaymentAgreement:
    """Agree a discount on what ``debt`` still owes, paid in ``installments`` every ``interval_days``."""
    _ensure_may_negotiate(actor, debt)
    debt = Debt.objects.select_for_update().get(pk=debt.pk)  # one agreement at a time per debt
    if debt.agreements.filter(state__in=PaymentAgreement.OPEN_STATES).exists():
        raise AgreementExistsError(_("This debt already has an agreement in force."))

    try:
        percent = Decimal(str(discount_percent))
    except InvalidOperation as exc:
        raise DiscountTooHighError(_("Enter a valid discount."), code="invalid_discount") from exc
    if not percent.is_finite():
        raise DiscountTooHighError(_("Enter a valid discount."), code="invalid_discount")
    if percent < 0:
        raise DiscountTooHighError(_("The discount cannot be negative."))
    if percent > _max_discount():
        raise DiscountTooHighError(
            _("The discount cannot exceed %(max)s%%.") % {"max": _max_discount()},
            extra={"max_discount_percent": str(_max_discount())},
        )
    if not 1 <= installments <= settings.AGREEMENTS_MAX_INSTALLMENTS:
        raise InvalidInstallmentsError(
            _("Choose between 1 and %(max)d instalments.") % {"max": settings.AGREEMENTS_MAX_INSTALLMENTS}
        )
    low, high = INTERVAL_DAYS_RANGE
    if not low <= interval_days <= high:
        raise InvalidInstallmentsError(
            _("Instalments must be between %(low)d and %(high)d days apart.") % {"low": low, "high": high}
        )
    today = timezone.localdate()
    if first_due_date < today:
        raise InvalidDateError(_("The first instalment cannot fall due in the past."))
    if first_due_date > today + timedelta(days=FIRST_DUE_MAX_DAYS):
        raise InvalidDateError(
            _("The first instalment must fall due within %(days)d days.") % {"days": FIRST_DUE_MAX_DAYS}
        )

    base = debt_outstanding(debt=debt)
    if base <= 0:
        raise AgreementStateError(_("Nothing is owed on this debt."))
    discount = (base * percent / 100).quantize(CENT, rounding=ROUND_HALF_UP)
    total = base - discount
    amounts = split_amount(total, installments)
    agreement = PaymentAgreement(
        debt=debt,
        agent=actor if actor.is_agent else (debt.assignee or actor),
        base_amount=base,
        discount_percent=percent.quantize(CENT),
        discount_amount=discount,
        agreed_total=total,
        number_of_installments=installments,
        state=State.DRAFT if draft else State.ACTIVE,
        notes=notes.strip(),
    )
    agreement.full_clean()
    agreement.save()
    Installment.objects.bulk_create([
        Installment(agreement=agreement, number=number, amount=amount,
                    due_date=first_due_date + timedelta(days=interval_days * (number - 1)))
        for number, amount in enumerate(amounts, start=1)
    ])
    publish_agreement_event(agreement, "agreement.created")
    return agreement


def _locked(agreement: PaymentAgreement) -> PaymentAgreement:
    return PaymentAgreement.objects.select_for_update().select_related("debt").get(pk=agreement.pk)


@transaction.atomic
def agreement_activate(*, actor: User, agreement: PaymentAgreement) -> PaymentAgreement:
    """The customer confirmed a draft: instalments start counting."""
    agreement = _locked(agreement)
    _ensure_may_negotiate(actor, agreement.debt)
    if agreement.state != State.DRAFT:
        raise AgreementStateError(_("Only a draft can be activated."))
    agreement.state = State.ACTIVE
    agreement.save(update_fields=["state", "updated_at"])
    publish_agreement_event(agreement)
    return agreement


@transaction.atomic
def agreement_cancel(*, actor: User, agreement: PaymentAgreement, reason: str = "") -> PaymentAgreement:
    """Supervisors end an agreement that will not go on (agents may drop their own drafts)."""
    agreement = _locked(agreement)
    may_cancel = actor.is_supervisor or actor.is_admin_role or (
        agreement.state == State.DRAFT and agreement.agent_id == actor.pk
    )
    if not may_cancel:
        raise PermissionDeniedError(_("Only a supervisor can cancel an agreement."))
    if agreement.state not in (State.DRAFT, State.ACTIVE, State.BROKEN):
        raise AgreementStateError(_("This agreement is already closed."))
    agreement.state = State.CANCELLED
    agreement.closed_at = timezone.now()
    agreement.cancel_reason = reason.strip()[:200]
    agreement.save(update_fields=["state", "closed_at", "cancel_reason", "updated_at"])
    publish_agreement_event(agreement)
    return agreement


