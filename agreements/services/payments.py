"""Payments: locked against the agreement, oldest instalments first, never above what is still owed."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from agreements.events import publish_agreement_event
from agreements.models import Installment, Payment, PaymentAgreement
from agreements.services.agreements import _locked
from agreements.services.common import (
    AgreementStateError,
    DuplicatePaymentError,
    InvalidAmountError,
    InvalidDateError,
    OverpaymentError,
    State,
    money,
)
from core.errors import ApplicationError
from core.money import format_money


@transaction.atomic
def payment_record(
    *,
    actor: User | None,
    agreement: PaymentAgreement,
    amount: Decimal | int | str,
    paid_at: datetime | None = None,
    method: str = Payment.Method.TRANSFER,
    reference: str = "",
    notes: str = "",
) -> Payment:
    """Record money received and apply it to the oldest unpaid instalments."""
    amount = money(amount)
    if amount <= 0:
        raise InvalidAmountError(_("The amount must be greater than zero."))
    now = timezone.now()
    paid_at = paid_at or now
    if paid_at > now + timedelta(minutes=5):
        raise InvalidDateError(_("A payment cannot be dated in the future."))
    if method not in Payment.Method.values:
        raise ApplicationError(_("Unknown payment method."), code="invalid_method")

    agreement = _locked(agreement)
    if agreement.state not in PaymentAgreement.PAYABLE_STATES:
        raise AgreementStateError(
            _("Payments cannot be recorded on an agreement that is %(state)s.")
            % {"state": agreement.get_state_display().lower()}
        )
    reference = reference.strip()
    if reference and agreement.payments.filter(reference=reference).exists():
        raise DuplicatePaymentError(_("A payment with that reference was already recorded."))
    unpaid = list(
        agreement.installments.select_for_update()
        .filter(state__in=Installment.UNPAID_STATES)
        .order_by("due_date", "number")
    )
    outstanding = sum((i.outstanding for i in unpaid), Decimal("0"))
    if amount > outstanding:
        raise OverpaymentError(
            _("The payment exceeds what is owed (%(outstanding)s).")
            % {"outstanding": format_money(outstanding, agreement.debt.currency)},
            extra={"outstanding": str(outstanding)},
        )

    today = timezone.localdate()
    remaining = amount
    applied: list[dict[str, object]] = []
    first: Installment | None = None
    for installment in unpaid:
        if remaining <= 0:
            break
        share = min(remaining, installment.outstanding)
        installment.paid_amount += share
        remaining -= share
        if installment.paid_amount == installment.amount:
            installment.state = Installment.State.PAID
            installment.paid_at = paid_at
        elif installment.state != Installment.State.OVERDUE and installment.due_date >= today:
            installment.state = Installment.State.PARTIAL
        installment.save(update_fields=["paid_amount", "state", "paid_at", "updated_at"])
        applied.append({"number": installment.number, "amount": str(share)})
        first = first or installment

    payment = Payment.objects.create(
        agreement=agreement, installment=first, amount=amount, paid_at=paid_at, method=method,
        reference=reference, applied_to=applied, notes=notes.strip()[:255], recorded_by=actor,
    )
    agreement.paid_total += amount  # the row is locked: no lost update
    update = ["paid_total", "updated_at"]
    if agreement.paid_total == agreement.agreed_total:
        agreement.state = State.FULFILLED
        agreement.closed_at = now
        update += ["state", "closed_at"]
    agreement.save(update_fields=update)
    publish_agreement_event(agreement, "agreement.payment_recorded")
    return payment


