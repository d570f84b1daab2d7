"""The REST API: role scoping (404 for what is not yours, 403 for what your role may not do), 400 JSON."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from agreements.models import Debt, Payment, PaymentAgreement
from agreements.services import agreement_create
from tests.agreements.factories import DebtFactory
from tests.leads.factories import ContactFactory

pytestmark = pytest.mark.django_db


def today():
    return timezone.localdate()


def negotiate(agent, **debt_fields):
    return agreement_create(actor=agent, debt=DebtFactory(assignee=agent, **debt_fields), discount_percent=0,
                            installments=3, first_due_date=today() + timedelta(days=3))


@pytest.fixture
def mine(agent):
    return negotiate(agent)


@pytest.fixture
def theirs(other_agent):
    return negotiate(other_agent)


def test_agent_creates_an_agreement_on_their_debt(api_client_for, agent):
    debt = DebtFactory(assignee=agent)
    response = api_client_for(agent).post("/api/v1/agreements/", {
        "debt": debt.pk, "discount_percent": "15", "installments": 3,
        "first_due_date": (today() + timedelta(days=7)).isoformat(), "interval_days": 30,
    }, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["state"], body["agreed_total"], body["currency"]) == ("active", "850.00", "PEN")
    assert [i["amount"] for i in body["installments"]] == ["283.33", "283.33", "283.34"]


def test_discount_above_the_limit_answers_400_json(api_client_for, agent, settings):
    settings.AGREEMENTS_MAX_DISCOUNT_PERCENT = 20
    debt = DebtFactory(assignee=agent)
    response = api_client_for(agent).post("/api/v1/agreements/", {
        "debt": debt.pk, "discount_percent": "35", "installments": 2, "first_due_date": today().isoformat(),
    }, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "discount_too_high" and response.json()["detail"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"installments": 0}, "installments"),
        ({"installments": "tres"}, "installments"),
        ({"first_due_date": "31/02/2025"}, "first_due_date"),
        ({"discount_percent": "150"}, "discount_percent"),
        ({"debt": 999999}, "debt"),
        ({"debt": None}, "debt"),
    ],
)
def test_bad_agreement_input_answers_400_with_field_errors(api_client_for, agent, payload, field):
    debt = DebtFactory(assignee=agent)
    data = {"debt": debt.pk, "installments": 2, "first_due_date": today().isoformat(), **payload}
    response = api_client_for(agent).post("/api/v1/agreements/", data, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid" and field in response.json()["errors"]
    assert not PaymentAgreement.objects.exists()


def test_agent_cannot_negotiate_another_agents_debt_which_looks_absent(api_client_for, agent, other_agent):
    debt = DebtFactory(assignee=other_agent)
    response = api_client_for(agent).post("/api/v1/agreements/", {
        "debt": debt.pk, "installments": 2, "first_due_date": today().isoformat()}, format="json")
    assert response.status_code == 400 and "debt" in response.json()["errors"]


def test_agent_sees_only_their_agreements_when_listing(api_client_for, agent, mine, theirs):
    response = api_client_for(agent).get("/api/v1/agreements/")
    assert response.status_code == 200
    assert [a["id"] for a in response.json()["results"]] == [mine.pk]


def test_another_agents_agreement_is_404(api_client_for, agent, theirs):
    client = api_client_for(agent)
    assert client.get(f"/api/v1/agreements/{theirs.pk}/").status_code == 404
    response = client.post(f"/api/v1/agreements/{theirs.pk}/payments/", {"amount": "10"}, format="json")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert not Payment.objects.exists()


def test_supervisor_sees_the_team_but_not_other_teams(api_client_for, supervisor, mine, theirs):
    client = api_client_for(supervisor)
    assert [a["id"] for a in client.get("/api/v1/agreements/").json()["results"]] == [mine.pk]
    assert client.get(f"/api/v1/agreements/{mine.pk}/").status_code == 200
    assert client.get(f"/api/v1/agreements/{theirs.pk}/").status_code == 404


def test_backoffice_sees_all_and_records_payments_but_may_not_negotiate(api_client_for, backoffice, mine, theirs):
    client = api_client_for(backoffice)
    assert {a["id"] for a in client.get("/api/v1/agreements/").json()["results"]} == {mine.pk, theirs.pk}
    response = client.post(f"/api/v1/agreements/{theirs.pk}/payments/", {"amount": "400.00", "reference": "OP-9"},
                           format="json")
    assert response.status_code == 201
    assert response.json()["applied_to"] == [{"number": 1, "amount": "333.33"}, {"number": 2, "amount": "66.67"}]
    assert response.json()["agreement_paid_total"] == "400.00"
    debt = DebtFactory()
    response = client.post("/api/v1/agreements/", {"debt": debt.pk, "installments": 2,
                                                   "first_due_date": today().isoformat()}, format="json")
    assert response.status_code == 403


def test_agent_records_a_payment_and_sees_the_agreement_fulfilled(api_client_for, agent, mine):
    client = api_client_for(agent)
    response = client.post(f"/api/v1/agreements/{mine.pk}/payments/", {"amount": "1000.00", "method": "cash"},
                           format="json")
    assert response.status_code == 201 and response.json()["agreement_state"] == "fulfilled"
    detail = client.get(f"/api/v1/agreements/{mine.pk}/").json()
    assert {i["state"] for i in detail["installments"]} == {"paid"}
    assert [p["amount"] for p in detail["payments"]] == ["1000.00"]


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ({"amount": "1000.01"}, "overpayment"),
        ({"amount": "0"}, "invalid"),
        ({"amount": "10.005"}, "invalid"),
        ({"amount": "diez"}, "invalid"),
        ({"amount": "10", "method": "bitcoin"}, "invalid"),
        ({"amount": "10", "paid_at": "ayer"}, "invalid"),
        ({}, "invalid"),
    ],
)
def test_bad_payment_answers_400_json(api_client_for, agent, mine, payload, code):
    response = api_client_for(agent).post(f"/api/v1/agreements/{mine.pk}/payments/", payload, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == code and response.json()["detail"]
    assert not Payment.objects.exists()


def test_cancel_is_403_for_agents_and_allowed_to_their_supervisor(api_client_for, agent, supervisor, mine):
    assert api_client_for(agent).post(f"/api/v1/agreements/{mine.pk}/cancel/", {}, format="json").status_code == 403
    response = api_client_for(supervisor).post(f"/api/v1/agreements/{mine.pk}/cancel/", {"reason": "Desiste"},
                                               format="json")
    assert response.status_code == 200 and response.json()["state"] == "cancelled"


def test_unauthenticated_requests_are_refused(api_client_for, mine):
    assert api_client_for(None).get("/api/v1/agreements/").status_code == 401


def test_agreement_list_filters_by_state_and_campaign(api_client_for, backoffice, agent, mine):
    negotiate(agent, campaign="Cartera abril")
    client = api_client_for(backoffice)
    assert client.get("/api/v1/agreements/?campaign=Cartera abril").json()["count"] == 1
    assert client.get("/api/v1/agreements/?state=active").json()["count"] == 2
    assert client.get("/api/v1/agreements/?state=fulfilled").json()["count"] == 0
    assert client.get("/api/v1/agreements/?state=roto").status_code == 400


def test_agreement_list_query_count_does_not_grow_with_rows(api_client_for, backoffice, agent):
    client = api_client_for(backoffice)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/api/v1/agreements/").status_code == 200
        return len(ctx)

    negotiate(agent)
    queries()  # warms the user's permission cache
    few = queries()
    for _ in range(10):
        negotiate(agent)
    assert queries() == few <= 3


# ---------------------------------------------------------------------------------------------
# Debts
# ---------------------------------------------------------------------------------------------
def test_supervisor_loads_a_debt_for_an_agent_of_the_team(api_client_for, supervisor, agent):
    contact = ContactFactory()
    response = api_client_for(supervisor).post("/api/v1/debts/", {
        "contact": contact.pk, "original_amount": "1520.50", "due_since": "2025-01-15", "campaign": "Cartera marzo",
        "assignee": agent.pk, "reference": "FAC-001",
    }, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["original_amount"], body["currency"], body["assignee"]) == ("1520.50", "PEN", agent.pk)
    assert api_client_for(agent).get("/api/v1/debts/").json()["count"] == 1


def test_agent_may_not_load_debts(api_client_for, agent):
    response = api_client_for(agent).post("/api/v1/debts/", {
        "contact": ContactFactory().pk, "original_amount": "100", "due_since": "2025-01-15"}, format="json")
    assert response.status_code == 403
    assert not Debt.objects.exists()


def test_supervisor_cannot_assign_a_debt_to_another_team(api_client_for, supervisor, other_agent):
    response = api_client_for(supervisor).post("/api/v1/debts/", {
        "contact": ContactFactory().pk, "original_amount": "100", "due_since": "2025-01-15",
        "assignee": other_agent.pk}, format="json")
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"original_amount": "-1"}, "original_amount"),
        ({"original_amount": "0"}, "original_amount"),
        ({"due_since": "mañana"}, "due_since"),
        ({"contact": 999999}, "contact"),
        ({"operator": 999999}, "operator"),
        ({"assignee": 999999}, "assignee"),
        ({"currency": "SOLES"}, "currency"),
    ],
)
def test_bad_debt_input_answers_400_with_field_errors(api_client_for, backoffice, payload, field):
    data = {"contact": ContactFactory().pk, "original_amount": "100", "due_since": "2025-01-15", **payload}
    response = api_client_for(backoffice).post("/api/v1/debts/", data, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid" and field in response.json()["errors"]


def test_debt_falling_due_in_the_future_is_refused(api_client_for, backoffice):
    response = api_client_for(backoffice).post("/api/v1/debts/", {
        "contact": ContactFactory().pk, "original_amount": "100",
        "due_since": (today() + timedelta(days=3)).isoformat()}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "invalid_date"


def test_another_agents_debt_is_404(api_client_for, agent, other_agent):
    debt = DebtFactory(assignee=other_agent)
    assert api_client_for(agent).get(f"/api/v1/debts/{debt.pk}/").status_code == 404
    assert api_client_for(other_agent).get(f"/api/v1/debts/{debt.pk}/").json()["original_amount"] == str(
        Decimal("1000.00"))
