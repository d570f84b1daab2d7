"""Payments: oldest instalment first, partial and full, never more than owed, fulfilled at the end."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from agreements.models import Installment, Payment, PaymentAgreement
from agreements.services import (
    AgreementStateError,
    DuplicatePaymentError,
    InvalidAmountError,
    InvalidDateError,
    OverpaymentError,
    agreement_cancel,
    agreement_create,
    payment_record,
)
from tests.agreements.factories import DebtFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def agreement(agent):
    """1000.00 in three instalments: 333.33, 333.33, 333.34."""
    return agreement_create(actor=agent, debt=DebtFactory(assignee=agent), discount_percent=0, installments=3,
                            first_due_date=timezone.localdate() + timedelta(days=3))


def states(agreement):
    return [(i.number, i.paid_amount, i.state) for i in agreement.installments.order_by("number")]


def test_partial_payment_goes_to_the_oldest_instalment(agent, agreement):
    payment = payment_record(actor=agent, agreement=agreement, amount=Decimal("100.00"), reference="OP-1")
    assert states(agreement) == [
        (1, Decimal("100.00"), "partial"), (2, Decimal("0.00"), "pending"), (3, Decimal("0.00"), "pending")]
    assert payment.installment.number == 1 and payment.applied_to == [{"number": 1, "amount": "100.00"}]
    agreement.refresh_from_db()
    assert (agreement.paid_total, agreement.state) == (Decimal("100.00"), "active")


def test_payment_spills_over_to_the_next_instalments_oldest_first(agent, agreement):
    payment_record(actor=agent, agreement=agreement, amount=Decimal("100.00"))
    payment = payment_record(actor=agent, agreement=agreement, amount=Decimal("300.00"))
    assert states(agreement) == [
        (1, Decimal("333.33"), "paid"), (2, Decimal("66.67"), "partial"), (3, Decimal("0.00"), "pending")]
    assert payment.applied_to == [{"number": 1, "amount": "233.33"}, {"number": 2, "amount": "66.67"}]
    assert Installment.objects.get(agreement=agreement, number=1).paid_at is not None


def test_agreement_is_fulfilled_when_everything_is_paid(agent, agreement):
    payment_record(actor=agent, agreement=agreement, amount=Decimal("333.33"))
    payment_record(actor=agent, agreement=agreement, amount=Decimal("666.67"), method=Payment.Method.CASH)
    agreement.refresh_from_db()
    assert (agreement.state, agreement.paid_total, agreement.outstanding) == (
        "fulfilled", Decimal("1000.00"), Decimal("0.00"))
    assert agreement.closed_at is not None
    assert {i.state for i in agreement.installments.all()} == {"paid"}
    with pytest.raises(AgreementStateError):
        payment_record(actor=agent, agreement=agreement, amount=Decimal("1.00"))


def test_overpayment_is_refused_with_the_outstanding_amount_when_paying_too_much(agent, agreement):
    payment_record(actor=agent, agreement=agreement, amount=Decimal("900.00"))
    with pytest.raises(OverpaymentError) as exc:
        payment_record(actor=agent, agreement=agreement, amount=Decimal("100.01"))
    assert exc.value.code == "overpayment" and exc.value.extra == {"outstanding": "100.00"}
    agreement.refresh_from_db()
    assert agreement.paid_total == Decimal("900.00") and Payment.objects.count() == 1


@pytest.mark.parametrize("amount", ["0", "-5", "10.001", "abc"])
def test_bad_amounts_are_refused_when_recording(agent, agreement, amount):
    with pytest.raises(InvalidAmountError):
        payment_record(actor=agent, agreement=agreement, amount=amount)
    assert not Payment.objects.exists()


def test_same_voucher_reference_is_refused_when_recorded_twice(agent, agreement):
    payment_record(actor=agent, agreement=agreement, amount=Decimal("50"), reference="OP-777")
    with pytest.raises(DuplicatePaymentError):
        payment_record(actor=agent, agreement=agreement, amount=Decimal("50"), reference="OP-777")
    assert Payment.objects.count() == 1


def test_payment_dated_in_the_future_is_refused(agent, agreement):
    with pytest.raises(InvalidDateError):
        payment_record(actor=agent, agreement=agreement, amount=Decimal("50"),
                       paid_at=timezone.now() + timedelta(days=1))


def test_payment_is_refused_when_the_agreement_is_cancelled(agent, supervisor, agreement):
    agreement_cancel(actor=supervisor, agreement=agreement)
    with pytest.raises(AgreementStateError):
        payment_record(actor=agent, agreement=agreement, amount=Decimal("50"))


def test_partial_payment_on_an_overdue_instalment_keeps_it_overdue(agent, agreement):
    Installment.objects.filter(agreement=agreement, number=1).update(
        state=Installment.State.OVERDUE, due_date=timezone.localdate() - timedelta(days=2))
    payment_record(actor=agent, agreement=agreement, amount=Decimal("10"))
    assert states(agreement)[0] == (1, Decimal("10.00"), "overdue")
    payment_record(actor=agent, agreement=agreement, amount=Decimal("323.33"))
    assert states(agreement)[0] == (1, Decimal("333.33"), "paid")
    assert PaymentAgreement.objects.get().state == "active"
