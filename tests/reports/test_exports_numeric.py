"""Amounts stay numbers in every export (issue 13, item 6): a sum in Excel works, and they show two decimals."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from core.admin_tools import EXCEL_DECIMAL_FORMAT
from reports.exports import ExportParams
from reports.monthly import monthly_report_write
from reports.services import export_run
from tests.leads.factories import ContactFactory, LeadFactory
from tests.reports.conftest import aware, make_sale, response_bytes

pytestmark = pytest.mark.django_db


def _sheet(data: bytes, index: int = 0):  # type: ignore[no-untyped-def]
    return load_workbook(io.BytesIO(data)).worksheets[index]


def test_sales_export_writes_totals_as_numbers_with_a_number_format(admin_user, agent):
    make_sale(contact=ContactFactory(name="Rosa Quispe"), agent=agent, total="4000.00")
    make_sale(contact=ContactFactory(name="Luis Flores"), agent=agent, total="69020.50")
    handle = io.BytesIO()
    export_run(actor=admin_user, kind="sales", params=ExportParams(columns=("contact", "total")), handle=handle)
    sheet = _sheet(handle.getvalue())
    totals = [row[1] for row in sheet.iter_rows(min_row=2)]
    assert sorted(cell.value for cell in totals) == [4000, 69020.5]
    assert all(cell.data_type == "n" and cell.number_format == EXCEL_DECIMAL_FORMAT for cell in totals)
    assert all(not isinstance(row[0].value, int | float) for row in sheet.iter_rows(min_row=2))  # names stay text


def test_monthly_summary_writes_sales_totals_as_numbers(agent):
    october = aware(2026, 10, 15, 12)
    make_sale(contact=ContactFactory(), agent=agent, total="4000.00", sold_at=october)
    make_sale(contact=ContactFactory(), agent=agent, total="20.50", sold_at=october)
    handle = io.BytesIO()
    monthly_report_write(month=date(2026, 10, 1), user=None, handle=handle)
    summary = _sheet(handle.getvalue())
    sales_total = 5  # agent, leads, won, conversations, sales, sales total (reports.monthly._summary_columns)
    cells = [row[sales_total] for row in summary.iter_rows(min_row=2)]
    assert [cell.value for cell in cells] == [4020.5, 4020.5]  # the agent's row, then the total row
    assert all(cell.data_type == "n" and cell.number_format == EXCEL_DECIMAL_FORMAT for cell in cells)


def test_admin_excel_export_keeps_budgets_numeric(client, admin_user, agent):
    lead = LeadFactory(assignee=agent, budget=Decimal("4000.00"))
    client.force_login(admin_user)
    response = client.post(reverse("admin:leads_lead_changelist"),
                           {"action": "export_excel", "_selected_action": [lead.pk]})
    assert response.status_code == 200
    sheet = _sheet(response_bytes(response))
    header = [cell.value for cell in next(sheet.iter_rows(max_row=1))]
    budget = sheet.cell(row=2, column=header.index("presupuesto") + 1)
    assert (budget.value, budget.data_type, budget.number_format) == (4000, "n", EXCEL_DECIMAL_FORMAT)
