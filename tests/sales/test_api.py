"""The sales API: scoped by role (another agent's quote is a 404), validation refused to agents."""

from decimal import Decimal

import pytest

from sales.models import Commission, CommissionRule, Quote, Sale
from sales.services.quotes import quote_create
from sales.services.sales import sale_create, sale_validate
from tests.leads.factories import ContactFactory
from tests.sales.conftest import pdf_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def quote(agent, phone):
    return quote_create(actor=agent, contact=ContactFactory(), lines=[{"product": phone, "quantity": 1}])


def test_agent_creates_a_quote_through_the_api(api_client_for, agent, phone, plan):
    contact = ContactFactory()
    response = api_client_for(agent).post("/api/v1/quotes/", {
        "contact": contact.pk, "lines": [{"product": phone.pk, "quantity": 1, "discount_percent": "5"},
                                         {"product": plan.pk, "quantity": 2}],
        "valid_days": 5}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["number"].startswith("COT-") and body["status"] == "pending"
    assert Decimal(body["total"]) == Decimal("3498.95")  # 3999 × .9 × .95 = 3419.145 → 3419.15; + 79.80
    assert len(body["lines"]) == 2


@pytest.mark.parametrize(("payload", "status", "code"), [
    ({"lines": [{"product": 1}]}, 400, "invalid"),
    ({"contact": 999_999, "lines": [{"product": "PHONE"}]}, 400, "invalid"),
    ({"contact": "CONTACT", "lines": [{"product": "PHONE", "discount_percent": "40"}]}, 400, "discount_too_high"),
    ({"contact": "CONTACT", "lines": []}, 400, "invalid"),
])
def test_bad_quote_input_is_refused(api_client_for, agent, phone, payload, status, code):
    contact = ContactFactory()
    payload = {**payload}
    if payload.get("contact") == "CONTACT":
        payload["contact"] = contact.pk
    payload["lines"] = [{**line, "product": phone.pk if line["product"] == "PHONE" else line["product"]}
                        for line in payload["lines"]]
    response = api_client_for(agent).post("/api/v1/quotes/", payload, format="json")
    assert response.status_code == status
    assert response.json()["code"] == code
    assert not Quote.objects.exists()


def test_another_agents_quote_is_a_404_but_the_supervisor_and_back_office_see_it(
    api_client_for, quote, agent, other_agent, supervisor, backoffice
):
    assert api_client_for(other_agent).get(f"/api/v1/quotes/{quote.pk}/").status_code == 404
    assert api_client_for(other_agent).post(f"/api/v1/quotes/{quote.pk}/accept/").status_code == 404
    assert api_client_for(other_agent).get("/api/v1/quotes/").json()["count"] == 0
    for user in (agent, supervisor, backoffice):
        assert api_client_for(user).get(f"/api/v1/quotes/{quote.pk}/").status_code == 200
    assert api_client_for(supervisor).get("/api/v1/quotes/").json()["count"] == 1


def test_supervisor_of_another_team_sees_nothing(api_client_for, other_agent, phone):
    from accounts.models import Role
    from conftest import make_user

    foreign = quote_create(actor=other_agent, contact=ContactFactory(), lines=[{"product": phone, "quantity": 1}])
    lonely_supervisor = make_user("supervisor_sin_equipo", Role.SUPERVISOR)
    assert api_client_for(lonely_supervisor).get(f"/api/v1/quotes/{foreign.pk}/").status_code == 404


def test_anonymous_is_refused(api_client_for, quote):
    assert api_client_for(None).get("/api/v1/quotes/").status_code == 401


def test_accept_then_validate_flow_over_the_api(api_client_for, quote, agent, backoffice):
    response = api_client_for(agent).post(f"/api/v1/quotes/{quote.pk}/accept/")
    assert response.status_code == 201
    sale_id = response.json()["id"]
    assert response.json()["quote_number"] == quote.number
    refused = api_client_for(agent).post(f"/api/v1/sales/{sale_id}/validate/")
    assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"
    no_reason = api_client_for(backoffice).post(f"/api/v1/sales/{sale_id}/reject/", {"reason": ""}, format="json")
    assert no_reason.status_code == 400 and no_reason.json()["code"] == "reason_required"
    ok = api_client_for(backoffice).post(f"/api/v1/sales/{sale_id}/validate/")
    assert ok.status_code == 200 and ok.json()["status"] == "validated"
    installed = api_client_for(backoffice).post(f"/api/v1/sales/{sale_id}/installation/",
                                                {"state": "scheduled"}, format="json")
    assert installed.json()["installation_state"] == "scheduled"


def test_direct_sale_and_sale_from_quote_over_the_api(api_client_for, agent, quote, plan):
    contact = ContactFactory()
    response = api_client_for(agent).post("/api/v1/sales/", {
        "contact": contact.pk, "lines": [{"product": plan.pk, "quantity": 2}], "payment_method": "cash"},
        format="json")
    assert response.status_code == 201 and Decimal(response.json()["total"]) == Decimal("79.80")
    from_quote = api_client_for(agent).post("/api/v1/sales/", {"quote": quote.pk}, format="json")
    assert from_quote.status_code == 201 and from_quote.json()["quote"] == quote.pk
    again = api_client_for(agent).post("/api/v1/sales/", {"quote": quote.pk}, format="json")
    assert again.status_code == 400 and again.json()["code"] == "quote_has_sale"
    empty = api_client_for(agent).post("/api/v1/sales/", {}, format="json")
    assert empty.status_code == 400


def test_sale_lists_are_scoped_and_the_receipt_is_a_pdf(api_client_for, agent, other_agent, backoffice, plan):
    sale = sale_create(actor=agent, contact=ContactFactory(), lines=[{"product": plan, "quantity": 1}])
    assert api_client_for(other_agent).get(f"/api/v1/sales/{sale.pk}/").status_code == 404
    assert api_client_for(other_agent).get(f"/api/v1/sales/{sale.pk}/receipt.pdf").status_code == 404
    assert api_client_for(other_agent).post(f"/api/v1/sales/{sale.pk}/validate/").status_code == 404
    assert api_client_for(agent).get("/api/v1/sales/").json()["count"] == 1
    assert api_client_for(backoffice).get("/api/v1/sales/?status=pending_validation").json()["count"] == 1
    response = api_client_for(agent).get(f"/api/v1/sales/{sale.pk}/receipt.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert sale.number in text and "Plan Max 39.90" in text and "S/ 39.90" in text


def test_commissions_are_scoped_by_role(api_client_for, agent, other_agent, supervisor, backoffice, plan):
    CommissionRule.objects.create(kind="fixed", value=Decimal("10"))
    for seller in (agent, other_agent):
        sale_validate(actor=backoffice, sale=sale_create(actor=seller, contact=ContactFactory(),
                                                         lines=[{"product": plan, "quantity": 1}]))
    assert Commission.objects.count() == 2
    mine = api_client_for(agent).get("/api/v1/commissions/").json()
    assert [row["agent"] for row in mine["results"]] == [agent.pk]
    assert api_client_for(supervisor).get("/api/v1/commissions/").json()["count"] == 1
    assert api_client_for(backoffice).get("/api/v1/commissions/").json()["count"] == 2
    month = Commission.objects.first().month.strftime("%Y-%m")
    assert api_client_for(backoffice).get(f"/api/v1/commissions/?month={month}").json()["count"] == 2
    assert api_client_for(backoffice).get("/api/v1/commissions/?month=2001-01").json()["count"] == 0
    assert api_client_for(backoffice).get("/api/v1/commissions/?month=enero").status_code == 400
    assert Sale.objects.count() == 2
