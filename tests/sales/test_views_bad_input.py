"""The quote form's numbers and dates that used to be 500s: a superscript, an id too big for the database,
an impossible date. Each is now the form's own error (400) or, for the delivery date, no date."""

from __future__ import annotations

import pytest
from django.urls import reverse

from sales.models import Quote, Sale
from sales.services.quotes import quote_create
from tests.leads.factories import ContactFactory

pytestmark = pytest.mark.django_db

HUGE = "99999999999999999999999"


@pytest.mark.parametrize("data", [
    {"product": ["²"], "quantity": ["1"]},
    {"product": [HUGE], "quantity": ["1"]},
    {"product": ["PHONE"], "quantity": ["1"], "valid_days": "²"},
])
def test_quote_form_with_a_number_that_is_no_number_is_a_400(client, agent, conversation, phone, data):
    data = {**data, "product": [str(phone.pk) if p == "PHONE" else p for p in data["product"]]}
    client.force_login(agent)
    response = client.post(reverse("sales:quote-new", args=[conversation.pk]), data)
    assert response.status_code == 400
    assert b"quote-error" in response.content
    assert not Quote.objects.exists()


@pytest.mark.parametrize("product", ["²", HUGE])
def test_quote_preview_with_a_product_that_is_no_id_is_a_400(client, agent, conversation, product):
    client.force_login(agent)
    response = client.post(reverse("sales:quote-preview", args=[conversation.pk]),
                           {"product": [product], "quantity": ["1"]})
    assert response.status_code == 400
    assert response.json()["code"]


def test_accepting_with_an_impossible_delivery_date_creates_the_sale_without_one(client, agent, phone):
    quote = quote_create(actor=agent, contact=ContactFactory(), lines=[{"product": phone, "quantity": 1}])
    client.force_login(agent)
    response = client.post(reverse("sales:quote-accept", args=[quote.pk]),
                           {"payment_method": "cash", "delivery_date": "2025-02-30"})
    assert response.status_code == 302
    assert Sale.objects.get().delivery_date is None
