"""leads reads purchases through the source sales registers at start-up (leads.purchases), never sales itself."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from leads import purchases as seam
from leads.outreach import outreach_facts
from leads.pipeline import pipeline_board
from leads.rfm import contact_sales_and_quotes, purchase_summary
from sales.purchases import SalesPurchases
from tests.leads.factories import ContactFactory, LeadFactory
from tests.reports.conftest import make_quote, make_sale

pytestmark = pytest.mark.django_db


@pytest.fixture
def without_sales():
    was = seam.purchases()
    seam.purchase_source_register(seam.NoPurchases())
    yield
    seam.purchase_source_register(was)


def test_sales_registers_its_source_at_start_up():
    assert isinstance(seam.purchases(), SalesPurchases)


def test_leads_sees_validated_sales_and_pending_quotes_through_the_source(agent, supervisor):
    contact = ContactFactory()
    lead = LeadFactory(contact=contact, status="quoted", assignee=agent)
    make_sale(contact=contact, agent=agent, total="250.00", status="validated",
              sold_at=timezone.now() - timedelta(days=3))
    make_sale(contact=contact, agent=agent, total="999.00", status="pending_validation")
    make_quote(contact=contact, agent=agent, lead=lead, total="80.00")
    summary = purchase_summary(contact.pk)
    assert (summary.count, summary.total, summary.recent_count) == (1, 250, 1)
    quoted = next(c for c in pipeline_board(user=supervisor) if c.status == "quoted")
    assert quoted.quoted_total == 80
    sales, quotes = contact_sales_and_quotes(user=agent, contact_id=contact.pk)
    assert len(sales) == 2 and len(quotes) == 1


def test_leads_works_without_any_selling_app(agent, supervisor, without_sales):
    contact = ContactFactory()
    LeadFactory(contact=contact, status="quoted", assignee=agent, service_type="internet_home")
    make_sale(contact=contact, agent=agent, total="250.00", status="validated")
    assert purchase_summary(contact.pk).count == 0
    facts = outreach_facts(contact=contact)
    assert (facts.purchases, facts.favourite_categories) == (0, ("internet_home",))
    assert contact_sales_and_quotes(user=agent, contact_id=contact.pk) == ([], [])
    quoted = next(c for c in pipeline_board(user=supervisor) if c.status == "quoted")
    assert not quoted.quoted_total
