"""Shared by the agreements services: limits, errors and money arithmetic."""

from __future__ import annotations

import logging
from decimal import ROUND_DOWN, Decimal, InvalidOperation

from django.conf import settings
from django.utils.translation import gettext as _

from agreements.models import CENT, PaymentAgreement
from core.errors import ApplicationError

logger = logging.getLogger(__name__)

State = PaymentAgreement.State
FIRST_DUE_MAX_DAYS = 90
INTERVAL_DAYS_RANGE = (7, 92)


class DiscountTooHighError(ApplicationError):
    code = "discount_too_high"


class InvalidInstallmentsError(ApplicationError):
    code = "invalid_installments"


class InvalidDateError(ApplicationError):
    code = "invalid_date"


class InvalidAmountError(ApplicationError):
    code = "invalid_amount"


class OverpaymentError(ApplicationError):
    code = "overpayment"


class DuplicatePaymentError(ApplicationError):
    code = "duplicate_payment"


class AgreementStateError(ApplicationError):
    code = "invalid_state"


class AgreementExistsError(ApplicationError):
    code = "agreement_exists"


# ---------------------------------------------------------------------------------------------
# Money
# ---------------------------------------------------------------------------------------------
def money(value: Decimal | int | str) -> Decimal:
    """A positive-or-zero amount with exactly two places; more places than that is an input error."""
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise InvalidAmountError(_("Enter a valid amount.")) from exc
    if not amount.is_finite() or amount != amount.quantize(CENT):
        raise InvalidAmountError(_("Amounts have at most two decimal places."))
    return amount.quantize(CENT)


def split_amount(total: Decimal, parts: int) -> list[Decimal]:
    """``total`` in ``parts`` equal instalments rounded down to the cent; the last takes the remainder."""
    if parts < 1:
        raise InvalidInstallmentsError(_("An agreement needs at least one instalment."))
    base = (total / parts).quantize(CENT, rounding=ROUND_DOWN)
    if base <= 0:
        raise InvalidInstallmentsError(_("The amount is too small for that many instalments."))
    return [base] * (parts - 1) + [total - base * (parts - 1)]


def _max_discount() -> Decimal:
    return Decimal(str(settings.AGREEMENTS_MAX_DISCOUNT_PERCENT))


