"""Quotes and receipts write money as the business reads it (issue 13, item 6): pages, PDFs, the customer's message."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from operators.models import Category
from sales.services.documents import quote_pdf_render, sale_receipt_render
from sales.services.quotes import quote_create, quote_send
from sales.services.sales import sale_create
from tests.leads.factories import ContactFactory
from tests.operators.factories import ProductFactory
from tests.sales.conftest import drain, pdf_text

pytestmark = pytest.mark.django_db
TWO_COMMAS = re.compile(r"\d,\d{3},\d{2}(?!\d)")


@pytest.fixture
def sofa(claro):  # type: ignore[no-untyped-def]
    return ProductFactory(operator=claro, category=Category.DEVICE, name="Sofá Lima", price=Decimal("2000.00"),
                          discount_percent=Decimal("0"), stock=3, currency="PEN")


def test_quote_pdf_writes_amounts_in_soles_with_a_decimal_point(agent, sofa):
    quote = quote_create(actor=agent, contact=ContactFactory(), lines=[{"product": sofa, "quantity": 2}])
    text = pdf_text(quote_pdf_render(quote=quote))
    assert "S/ 2,000.00" in text  # unit price
    assert "Total S/ 4,000.00" in text
    assert "PEN" not in text and not TWO_COMMAS.search(text)


def test_receipt_pdf_writes_chilean_pesos_without_cents(agent, claro):
    item = ProductFactory(operator=claro, category=Category.DEVICE, name="Audífonos", price=Decimal("12990"),
                          discount_percent=Decimal("0"), stock=9, currency="CLP")
    sale = sale_create(actor=agent, contact=ContactFactory(), lines=[{"product": item, "quantity": 3}])
    text = pdf_text(sale_receipt_render(sale=sale))
    assert "$12.990" in text and "Total $38.970" in text and "CLP" not in text


def test_quote_and_sale_pages_write_money_by_the_currency(client, agent, sofa):
    quote = quote_create(actor=agent, contact=ContactFactory(), lines=[{"product": sofa, "quantity": 2}])
    client.force_login(agent)
    page = client.get(reverse("sales:quote", args=[quote.pk])).content.decode()
    assert "S/ 2,000.00" in page and "S/ 4,000.00" in page
    assert "PEN 4" not in page and not TWO_COMMAS.search(page)


def test_quote_form_answers_the_amounts_as_the_page_writes_them(client, agent, conversation, sofa):
    client.force_login(agent)
    found = client.get(reverse("sales:products"), {"q": "sofá"}).json()["results"]
    assert (found[0]["price"], found[0]["price_display"]) == ("2000.00", "S/ 2,000.00")
    preview = client.post(reverse("sales:quote-preview", args=[conversation.pk]),
                          {"product": [sofa.pk], "quantity": ["2"], "discount": ["0"]}).json()
    assert (preview["total"], preview["total_display"]) == ("4000.00", "S/ 4,000.00")
    assert preview["lines"][0]["line_total_display"] == "S/ 4,000.00"


def test_the_quote_caption_the_customer_reads_has_the_amount_in_soles(graph, conversation, agent, sofa,
                                                                         django_capture_on_commit_callbacks):
    quote = quote_create(actor=agent, contact=conversation.contact, conversation=conversation,
                         lines=[{"product": sofa, "quantity": 2}])
    with django_capture_on_commit_callbacks(execute=True):
        quote_send(actor=agent, quote=quote)
    drain()
    assert "S/ 4,000.00" in graph.log[-1][0].get_json()["document"]["caption"]
