"""Concurrent payments and daily runs on PostgreSQL: the row lock keeps the money exact."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from agreements.models import InstallmentReminder, Payment, PaymentAgreement
from agreements.services import OverpaymentError, agreement_create, installments_remind, payment_record
from tests.agreements.factories import DebtFactory
from tests.concurrency import run_together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_payments_at_once_never_exceed_the_agreed_total(agent):
    agreement = agreement_create(actor=agent, debt=DebtFactory(assignee=agent), discount_percent=0, installments=2,
                                 first_due_date=timezone.localdate())
    results = run_together([
        lambda: payment_record(actor=agent, agreement=agreement, amount=Decimal("600.00")) for _ in range(2)
    ])
    assert sorted(type(r).__name__ for r in results) == ["OverpaymentError", "Payment"]
    assert any(isinstance(r, OverpaymentError) for r in results)
    agreement.refresh_from_db()
    assert agreement.paid_total == Decimal("600.00") and Payment.objects.count() == 1
    assert agreement.state == PaymentAgreement.State.ACTIVE


def test_two_reminder_runs_at_once_remind_once(agent):
    agreement_create(actor=agent, debt=DebtFactory(assignee=agent), discount_percent=0, installments=1,
                     first_due_date=timezone.localdate() + timedelta(days=1))
    results = run_together([installments_remind for _ in range(3)])
    assert sum(r.notes for r in results) == 1
    assert InstallmentReminder.objects.count() == 1
