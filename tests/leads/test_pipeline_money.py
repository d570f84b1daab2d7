"""The pipeline writes money as the business reads it (issue 13, item 6): "S/ 4,000.00", never "PEN 4,000,00"."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from leads.models import LeadStatus
from tests.leads.factories import LeadFactory

pytestmark = pytest.mark.django_db
URL = "/panel/pipeline/"
TWO_COMMAS = re.compile(r"\d,\d{3},\d{2}(?!\d)")  # "4,000,00": a thousands and a decimal comma


def test_pipeline_shows_budgets_and_column_values_in_soles_when_the_ui_is_spanish(client, agent):
    LeadFactory(assignee=agent, status=LeadStatus.QUALIFIED, budget=Decimal("4000"), currency="PEN")
    LeadFactory(assignee=agent, status=LeadStatus.NEW, budget=Decimal("65020"), currency="PEN")
    LeadFactory(assignee=agent, status=LeadStatus.NEW, budget=Decimal("4000"), currency="PEN")
    client.force_login(agent)
    html = client.get(URL, headers={"Accept-Language": "es"}).content.decode()
    assert "S/ 4,000.00" in html  # the card and the qualified column
    assert "S/ 69,020.00" in html  # the new column's value
    assert "PEN 4" not in html and not TWO_COMMAS.search(html)


def test_pipeline_writes_each_lead_in_its_own_currency(client, agent):
    LeadFactory(assignee=agent, status=LeadStatus.NEW, budget=Decimal("300"), currency="USD")
    LeadFactory(assignee=agent, status=LeadStatus.CONTACTED, budget=Decimal("450000"), currency="CLP")
    client.force_login(agent)
    html = client.get(URL).content.decode()
    assert "US$ 300.00" in html and "$450.000" in html


def test_moving_a_card_answers_the_column_value_as_the_page_writes_it(client, agent):
    lead = LeadFactory(assignee=agent, status=LeadStatus.NEW, budget=Decimal("4000"))
    client.force_login(agent)
    data = client.post(f"{URL}{lead.pk}/move/", {"status": "qualified"}).json()
    columns = {c["status"]: c for c in data["columns"]}
    assert (columns["qualified"]["value"], columns["qualified"]["value_display"]) == ("4000.00", "S/ 4,000.00")
    assert columns["new"]["value_display"] == "S/ 0.00"
