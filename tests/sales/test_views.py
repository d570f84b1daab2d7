"""The panel pages under /sales/ and the back-office actions."""

from decimal import Decimal

import pytest
from django.urls import reverse

from sales.models import Commission, CommissionRule, Quote, Sale
from sales.services.quotes import quote_create
from sales.services.sales import sale_create, sale_validate
from tests.leads.factories import ContactFactory

pytestmark = pytest.mark.django_db


def test_pages_need_a_login(client, conversation):
    response = client.get(reverse("sales:quote-new", args=[conversation.pk]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_quote_form_renders_and_creates_a_quote(client, agent, conversation, phone):
    client.force_login(agent)
    page = client.get(reverse("sales:quote-new", args=[conversation.pk]))
    assert page.status_code == 200 and b"quote-form" in page.content
    found = client.get(reverse("sales:products"), {"q": "iphone"}).json()["results"]
    assert [p["id"] for p in found] == [phone.pk]
    preview = client.post(reverse("sales:quote-preview", args=[conversation.pk]),
                          {"product": [phone.pk], "quantity": ["2"], "discount": ["0"]}).json()
    assert preview["total"] == "7198.20"
    too_much = client.post(reverse("sales:quote-preview", args=[conversation.pk]),
                           {"product": [phone.pk], "quantity": ["1"], "discount": ["50"]})
    assert too_much.status_code == 400 and too_much.json()["code"] == "discount_too_high"
    response = client.post(reverse("sales:quote-new", args=[conversation.pk]),
                           {"product": [phone.pk], "quantity": ["2"], "discount": [""], "valid_days": "3"})
    quote = Quote.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("sales:quote", args=[quote.pk])
    assert quote.conversation_id == conversation.pk and quote.total == Decimal("7198.20")
    detail = client.get(response["Location"])
    assert quote.number.encode() in detail.content and b"send-quote" in detail.content


def test_quote_form_shows_the_error_and_stores_nothing(client, agent, conversation, phone):
    client.force_login(agent)
    response = client.post(reverse("sales:quote-new", args=[conversation.pk]),
                           {"product": [phone.pk], "quantity": ["1"], "discount": ["90"]})
    assert response.status_code == 400 and b"quote-error" in response.content
    assert not Quote.objects.exists()


def test_another_agents_conversation_and_quote_are_404(client, other_agent, agent, conversation, phone):
    quote = quote_create(actor=agent, contact=conversation.contact, lines=[{"product": phone, "quantity": 1}])
    client.force_login(other_agent)
    assert client.get(reverse("sales:quote-new", args=[conversation.pk])).status_code == 404
    assert client.get(reverse("sales:quote", args=[quote.pk])).status_code == 404
    assert client.post(reverse("sales:quote-accept", args=[quote.pk])).status_code == 404


def test_accepting_on_the_page_creates_the_sale_and_back_office_validates_it(client, agent, backoffice, phone):
    quote = quote_create(actor=agent, contact=ContactFactory(), lines=[{"product": phone, "quantity": 1}])
    client.force_login(agent)
    response = client.post(reverse("sales:quote-accept", args=[quote.pk]), {"payment_method": "card"})
    sale = Sale.objects.get()
    assert response["Location"] == reverse("sales:sale", args=[sale.pk]) and sale.payment_method == "card"
    client.post(reverse("sales:sale-validate", args=[sale.pk]))
    assert Sale.objects.get().status == "pending_validation"  # an agent's click changes nothing
    listing = client.get(reverse("sales:list"))
    assert sale.number.encode() in listing.content
    client.force_login(backoffice)
    assert b"validate-sale" in client.get(reverse("sales:sale", args=[sale.pk])).content
    client.post(reverse("sales:sale-reject", args=[sale.pk]), {"reason": ""})
    assert Sale.objects.get().status == "pending_validation"
    client.post(reverse("sales:sale-validate", args=[sale.pk]))
    assert Sale.objects.get().status == "validated"


def test_commission_page_shows_own_for_agents_and_the_team_for_supervisors(client, agent, other_agent, supervisor,
                                                                           backoffice, plan):
    CommissionRule.objects.create(kind="fixed", value=Decimal("15"))
    for seller in (agent, other_agent):
        sale_validate(actor=backoffice, sale=sale_create(actor=seller, contact=ContactFactory(),
                                                         lines=[{"product": plan, "quantity": 1}]))
    assert Commission.objects.count() == 2
    client.force_login(agent)
    page = client.get(reverse("sales:commissions")).content.decode()
    assert "commission-chart" in page and "Agente" in page and "Otro_agente" not in page
    assert "S/ 15.00" in page and "30.00" not in page  # Peruvian soles: "S/", decimal point (core.money)
    client.force_login(supervisor)
    page = client.get(reverse("sales:commissions")).content.decode()
    assert "Agente" in page and "Otro_agente" not in page
    client.force_login(backoffice)
    page = client.get(reverse("sales:commissions")).content.decode()
    assert "Agente" in page and "Otro_agente" in page and "S/ 30.00" in page  # the month's bar: both agents


def test_admin_bulk_validate_and_reject_with_a_reason(client, admin_user, agent, plan):
    sales = [sale_create(actor=agent, contact=ContactFactory(), lines=[{"product": plan, "quantity": 1}])
             for _ in range(3)]
    client.force_login(admin_user)
    url = reverse("admin:sales_sale_changelist")
    assert client.get(url).status_code == 200
    client.post(url, {"action": "validate_sales", "_selected_action": [sales[0].pk]})
    asked = client.post(url, {"action": "reject_sales", "_selected_action": [sales[1].pk, sales[2].pk]})
    assert asked.status_code == 200 and b"reason" in asked.content  # the form asks why
    client.post(url, {"action": "reject_sales", "_selected_action": [sales[1].pk, sales[2].pk],
                      "reason": "Documento vencido"})
    statuses = dict(Sale.objects.values_list("pk", "status"))
    assert statuses == {sales[0].pk: "validated", sales[1].pk: "rejected", sales[2].pk: "rejected"}
    assert client.get(reverse("admin:sales_sale_change", args=[sales[0].pk])).status_code == 200
