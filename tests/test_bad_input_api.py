"""Ids, numbers and months in API input that ``str.isdigit()`` accepted but ``int()`` or the database did not.

A superscript ("²") passes ``isdigit()`` and makes ``int()`` raise; an id past 2**63 passes every regex and
makes the SQLite driver raise ``OverflowError`` in a filter. Each was a 500; each is now a 400 with a
``detail`` (or, where the parameter is "an id or a slug", a filter that matches nothing).
"""

from __future__ import annotations

import pytest

from sales.models import Quote
from tests.leads.factories import ContactFactory
from tests.operators.factories import OperatorFactory, ProductFactory

pytestmark = pytest.mark.django_db

HUGE = "99999999999999999999999"


@pytest.mark.parametrize("url", [
    f"/api/v1/leads/?assignee={HUGE}",
    "/api/v1/leads/?assignee=²",
    f"/api/v1/conversations/?assignee={HUGE}",
    f"/api/v1/debts/?assignee={HUGE}",
    f"/api/v1/agreements/?agent={HUGE}",
    f"/api/v1/agreements/?debt={HUGE}",
    f"/api/v1/quotes/?contact={HUGE}",
    f"/api/v1/quotes/?conversation={HUGE}",
    f"/api/v1/sales/?contact={HUGE}",
    f"/api/v1/sales/?agent={HUGE}",
    "/api/v1/commissions/?month=0000-01",
    "/api/v1/commissions/?month=2025-13",
    "/api/v1/commissions/?month=²⁰²⁵-01",
])
def test_bad_id_or_month_in_an_api_filter_is_a_400_when_it_was_a_500(api_client_for, admin_user, url):
    response = api_client_for(admin_user).get(url)
    assert response.status_code == 400, response.content[:300]
    assert response.json()["detail"]


def test_commission_month_filter_still_reads_a_real_month(api_client_for, admin_user):
    response = api_client_for(admin_user).get("/api/v1/commissions/?month=2025-01")
    assert response.status_code == 200
    assert response.json()["count"] == 0


@pytest.mark.parametrize("url", [
    "/api/v1/leads/?operator=²",
    f"/api/v1/leads/?operator={HUGE}",
    "/api/v1/products/?operator=²",
    f"/api/v1/products/?operator={HUGE}",
])
def test_operator_filter_that_is_no_id_is_read_as_a_slug_when_it_matches_nothing(api_client_for, admin_user,
                                                                                   url):
    ProductFactory()
    response = api_client_for(admin_user).get(url)
    assert response.status_code == 200, response.content[:300]
    assert response.json()["count"] == 0


def test_operator_filter_by_id_and_by_slug_still_work(api_client_for, admin_user):
    claro = OperatorFactory(slug="claro")
    ProductFactory(operator=claro)
    ProductFactory()
    client = api_client_for(admin_user)
    assert client.get(f"/api/v1/products/?operator={claro.pk}").json()["count"] == 1
    assert client.get("/api/v1/products/?operator=claro").json()["count"] == 1


def test_huge_ids_in_a_posted_body_are_a_400(api_client_for, admin_user):
    client = api_client_for(admin_user)
    contact = ContactFactory()
    response = client.post("/api/v1/quotes/", {"contact": contact.pk, "lines": [{"product": int(HUGE)}]},
                           format="json")
    assert response.status_code == 400, response.content[:300]
    assert "lines" in response.json()["errors"]
    assert not Quote.objects.exists()
    response = client.post("/api/v1/leads/", {"contact": int(HUGE)}, format="json")
    assert response.status_code == 400
    assert "contact" in response.json()["errors"]


def test_date_and_time_before_1970_is_a_400_not_an_answer_iso_8601_cannot_write(api_client_for, admin_user):
    """Found by the fuzz run: a payment dated 0795 was stored and answered with the offset Lima had then,
    "-05:08:12", which no ISO 8601 reader takes."""
    from datetime import timedelta
    from decimal import Decimal

    from django.utils import timezone

    from agreements.models import Payment
    from agreements.services import agreement_create
    from tests.agreements.factories import DebtFactory
    from tests.leads.factories import LeadFactory

    client = api_client_for(admin_user)
    agreement = agreement_create(actor=admin_user, debt=DebtFactory(), discount_percent=Decimal("0"), installments=2,
                                 first_due_date=timezone.localdate() + timedelta(days=7))
    response = client.post(f"/api/v1/agreements/{agreement.pk}/payments/",
                           {"amount": "10.00", "paid_at": "0795-11-28T19:52:01-02:09"}, format="json")
    assert response.status_code == 400, response.content[:300]
    assert "paid_at" in response.json()["errors"]
    assert not Payment.objects.exists()
    lead = LeadFactory()
    response = client.patch(f"/api/v1/leads/{lead.pk}/", {"next_action_at": "1900-01-01T10:00:00Z"}, format="json")
    assert response.status_code == 400
    assert "next_action_at" in response.json()["errors"]
    response = client.patch(f"/api/v1/leads/{lead.pk}/", {"next_action_at": "2030-01-01T10:00:00Z"}, format="json")
    assert response.status_code == 200
