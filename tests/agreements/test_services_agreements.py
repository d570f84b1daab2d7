"""Negotiating: discount, exact instalment split, dates, who may negotiate."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from agreements.models import PaymentAgreement
from agreements.services import (
    AgreementExistsError,
    DiscountTooHighError,
    InvalidDateError,
    InvalidInstallmentsError,
    agreement_cancel,
    agreement_create,
    payment_record,
    split_amount,
)
from core.errors import PermissionDeniedError
from tests.agreements.factories import DebtFactory

pytestmark = pytest.mark.django_db


def today():
    return timezone.localdate()


@pytest.fixture
def debt(agent):
    return DebtFactory(assignee=agent)


@pytest.mark.parametrize(
    ("total", "parts", "expected"),
    [
        ("1000.00", 3, ["333.33", "333.33", "333.34"]),
        ("100.00", 6, ["16.66", "16.66", "16.66", "16.66", "16.66", "16.70"]),
        ("0.05", 5, ["0.01"] * 5),
        ("99.99", 1, ["99.99"]),
    ],
)
def test_split_sums_exactly_when_the_total_does_not_divide(total, parts, expected):
    amounts = split_amount(Decimal(total), parts)
    assert [str(a) for a in amounts] == expected
    assert sum(amounts) == Decimal(total)


def test_split_refuses_when_instalments_would_be_less_than_a_cent():
    with pytest.raises(InvalidInstallmentsError):
        split_amount(Decimal("0.02"), 3)


def test_agreement_splits_the_discounted_total_when_created(agent, debt):
    agreement = agreement_create(actor=agent, debt=debt, discount_percent=Decimal("10"), installments=3,
                                 first_due_date=today() + timedelta(days=5), interval_days=15)
    assert (agreement.base_amount, agreement.discount_amount, agreement.agreed_total) == (
        Decimal("1000.00"), Decimal("100.00"), Decimal("900.00"))
    assert agreement.state == PaymentAgreement.State.ACTIVE and agreement.agent == agent
    rows = list(agreement.installments.order_by("number").values_list("number", "amount", "due_date"))
    assert rows == [
        (1, Decimal("300.00"), today() + timedelta(days=5)),
        (2, Decimal("300.00"), today() + timedelta(days=20)),
        (3, Decimal("300.00"), today() + timedelta(days=35)),
    ]


def test_thousand_in_three_instalments_sums_exactly_when_created(agent, debt):
    agreement = agreement_create(actor=agent, debt=debt, discount_percent=0, installments=3,
                                 first_due_date=today())
    amounts = list(agreement.installments.order_by("number").values_list("amount", flat=True))
    assert amounts == [Decimal("333.33"), Decimal("333.33"), Decimal("333.34")]
    assert sum(amounts) == agreement.agreed_total == Decimal("1000.00")


def test_discount_above_the_limit_is_refused_when_creating(agent, debt, settings):
    settings.AGREEMENTS_MAX_DISCOUNT_PERCENT = 25
    with pytest.raises(DiscountTooHighError) as exc:
        agreement_create(actor=agent, debt=debt, discount_percent=Decimal("25.01"), installments=2,
                         first_due_date=today())
    assert exc.value.code == "discount_too_high" and exc.value.extra == {"max_discount_percent": "25"}
    assert not PaymentAgreement.objects.exists()
    # exactly at the limit is fine
    agreement_create(actor=agent, debt=debt, discount_percent=25, installments=2, first_due_date=today())


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"installments": 0}, InvalidInstallmentsError),
        ({"installments": 25}, InvalidInstallmentsError),
        ({"interval_days": 3}, InvalidInstallmentsError),
        ({"first_due_date": "yesterday"}, InvalidDateError),
        ({"first_due_date": "far"}, InvalidDateError),
        ({"discount_percent": -1}, DiscountTooHighError),
    ],
)
def test_bad_terms_are_refused_when_creating(agent, debt, kwargs, error):
    dates = {"yesterday": today() - timedelta(days=1), "far": today() + timedelta(days=200)}
    terms = {"discount_percent": 0, "installments": 2, "first_due_date": today(), **kwargs}
    terms["first_due_date"] = dates.get(terms["first_due_date"], terms["first_due_date"])
    with pytest.raises(error):
        agreement_create(actor=agent, debt=debt, **terms)
    assert not PaymentAgreement.objects.exists()


def test_second_open_agreement_on_a_debt_is_refused_until_the_first_is_cancelled(agent, supervisor, debt):
    first = agreement_create(actor=agent, debt=debt, discount_percent=0, installments=2, first_due_date=today())
    with pytest.raises(AgreementExistsError):
        agreement_create(actor=agent, debt=debt, discount_percent=0, installments=2, first_due_date=today())
    agreement_cancel(actor=supervisor, agreement=first, reason="Cliente renegocia")
    second = agreement_create(actor=agent, debt=debt, discount_percent=0, installments=4, first_due_date=today())
    assert second.state == PaymentAgreement.State.ACTIVE


def test_renegotiation_starts_from_what_is_still_owed_when_payments_were_made(agent, supervisor, debt):
    first = agreement_create(actor=agent, debt=debt, discount_percent=0, installments=2, first_due_date=today())
    payment_record(actor=agent, agreement=first, amount=Decimal("400"))
    agreement_cancel(actor=supervisor, agreement=first)
    second = agreement_create(actor=agent, debt=debt, discount_percent=10, installments=1, first_due_date=today())
    assert (second.base_amount, second.agreed_total) == (Decimal("600.00"), Decimal("540.00"))


def test_agent_cannot_negotiate_when_the_debt_is_someone_elses(other_agent, debt):
    with pytest.raises(PermissionDeniedError):
        agreement_create(actor=other_agent, debt=debt, discount_percent=0, installments=1, first_due_date=today())


def test_backoffice_cannot_negotiate_when_asked(backoffice, debt):
    with pytest.raises(PermissionDeniedError):
        agreement_create(actor=backoffice, debt=debt, discount_percent=0, installments=1, first_due_date=today())


def test_agent_cannot_cancel_an_active_agreement_when_not_a_supervisor(agent, debt):
    agreement = agreement_create(actor=agent, debt=debt, discount_percent=0, installments=1, first_due_date=today())
    with pytest.raises(PermissionDeniedError):
        agreement_cancel(actor=agent, agreement=agreement)
    agreement.refresh_from_db()
    assert agreement.state == PaymentAgreement.State.ACTIVE
