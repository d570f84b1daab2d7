"""Debts: loaded by supervisors and back office, owed by a contact."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.selectors import assignable_users_list
from agreements.models import Debt, Payment
from agreements.services.common import (
    InvalidAmountError,
    InvalidDateError,
    money,
)
from core.errors import ApplicationError, PermissionDeniedError
from leads.models import Contact
from operators.models import Operator


def debt_outstanding(*, debt: Debt) -> Decimal:
    """What is still owed on ``debt``: the original amount less every payment on any agreement."""
    paid = Payment.objects.filter(agreement__debt=debt).aggregate(total=Sum("amount"))["total"] or Decimal("0")
    return debt.original_amount - paid


@transaction.atomic
def debt_create(
    *,
    actor: User | None,
    contact: Contact,
    original_amount: Decimal,
    due_since: date,
    currency: str = "",
    operator: Operator | None = None,
    reference: str = "",
    campaign: str = "",
    assignee: User | None = None,
) -> Debt:
    if actor is not None and actor.is_agent:
        raise PermissionDeniedError(_("Only supervisors and back office load debts."))
    amount = money(original_amount)
    if amount <= 0:
        raise InvalidAmountError(_("The amount must be greater than zero."))
    if due_since > timezone.localdate():
        raise InvalidDateError(_("A debt cannot fall due in the future."))
    if assignee is not None and actor is not None and not assignable_users_list(user=actor).filter(
        pk=assignee.pk
    ).exists():
        raise PermissionDeniedError(_("You cannot assign work to that person."))
    reference = reference.strip()
    if reference and Debt.objects.filter(operator=operator, reference=reference).exists():
        raise ApplicationError(_("A debt with that reference already exists."), code="duplicate_debt")
    debt = Debt(
        contact=contact, original_amount=amount, due_since=due_since,
        currency=(currency or settings.DEFAULT_CURRENCY).upper(), operator=operator, reference=reference,
        campaign=campaign.strip(), assignee=assignee,
    )
    debt.full_clean()
    debt.save()
    return debt


