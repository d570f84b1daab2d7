"""Exports of sales, quotes and payment agreements; the pipeline's value from pending quotes."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest

from agreements.models import PaymentAgreement
from leads.models import LeadStatus
from leads.pipeline import pipeline_board
from reports.exports import ExportParams
from reports.services import export_run
from tests.agreements.factories import DebtFactory
from tests.leads.factories import ContactFactory, LeadFactory
from tests.reports.conftest import aware, make_quote, make_sale, read_xlsx

pytestmark = pytest.mark.django_db


def run(actor, kind: str, **params) -> list[list]:
    handle = io.BytesIO()
    export_run(actor=actor, kind=kind, params=ExportParams(**params), handle=handle)
    return next(iter(read_xlsx(handle.getvalue()).values()))


def test_sales_export_filters_by_sold_date_status_and_agent(backoffice, agent, supervisor):
    contact = ContactFactory(name="Rosa Quispe")
    make_sale(contact=contact, agent=agent, total="250.50", sold_at=aware(2026, 10, 10, 10))
    make_sale(contact=contact, agent=agent, status="cancelled", sold_at=aware(2026, 10, 11, 10))
    make_sale(contact=contact, agent=supervisor, sold_at=aware(2026, 10, 12, 10))
    make_sale(contact=contact, agent=agent, sold_at=aware(2026, 11, 1, 10))
    rows = run(backoffice, "sales", date_from=date(2026, 10, 1), date_to=date(2026, 10, 31),
               filters={"status": "validated", "agent": str(agent.pk)}, columns=("contact", "agent", "total"))
    assert rows[1:] == [["Rosa Quispe", str(agent), 250.5]]


def test_sales_export_of_a_supervisor_leaves_out_other_teams(supervisor, agent, other_agent):
    make_sale(contact=ContactFactory(), agent=agent)
    make_sale(contact=ContactFactory(), agent=other_agent)
    rows = run(supervisor, "sales", columns=("agent",))
    assert rows[1:] == [[str(agent)]]


def test_quotes_export_filters_by_status(admin_user, agent):
    make_quote(contact=ContactFactory(), agent=agent, total="99.90")
    make_quote(contact=ContactFactory(), agent=agent, status="rejected")
    rows = run(admin_user, "quotes", filters={"status": "pending"}, columns=("total", "status"))
    assert [r[0] for r in rows[1:]] == [99.9]


def test_agreements_export_has_outstanding_amount(admin_user, agent):
    debt = DebtFactory()
    PaymentAgreement.objects.create(debt=debt, agent=agent, base_amount=Decimal("1000"), agreed_total=Decimal("800"),
                                    paid_total=Decimal("300"), number_of_installments=4)
    rows = run(admin_user, "agreements", filters={"state": "active"},
               columns=("reference", "agreed_total", "outstanding"))
    assert rows[1:] == [[debt.reference, 800, 500]]


def test_conversation_export_shows_the_value_of_its_quotes(admin_user, agent, channel_account):
    from conversations.models import Conversation

    contact = ContactFactory(name="Con cotización")
    conv = Conversation.objects.create(contact=contact, channel_account=channel_account, assignee=agent)
    make_quote(contact=contact, agent=agent, total="100.00", conversation=conv)
    make_quote(contact=contact, agent=agent, total="50.00", conversation=conv)
    make_quote(contact=contact, agent=agent, total="999.00", conversation=conv, status="rejected")
    rows = run(admin_user, "conversations", columns=("contact", "quote_value"))
    assert rows[1:] == [["Con cotización", 150]]


def test_pipeline_value_uses_pending_quotes_when_there_are_any(supervisor, agent):
    quoted = LeadFactory(assignee=agent, status=LeadStatus.QUOTED, budget=Decimal("10"))
    make_quote(contact=quoted.contact, agent=agent, total="300.00", lead=quoted)
    make_quote(contact=quoted.contact, agent=agent, total="700.00", lead=quoted, status="rejected")
    LeadFactory(assignee=agent, status=LeadStatus.NEW, budget=Decimal("40"))
    board = {c.status: c for c in pipeline_board(user=supervisor)}
    assert board["quoted"].value == Decimal("300.00") and board["quoted"].budget_total == Decimal("10")
    assert board["new"].value == Decimal("40")
