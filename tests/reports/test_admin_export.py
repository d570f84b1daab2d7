"""The back office's "Export" page: who may use it, and the file it streams back."""

from __future__ import annotations

import pytest

from leads.models import LeadStatus
from reports.models import ExportLog
from tests.leads.factories import LeadFactory
from tests.reports.conftest import read_xlsx, response_bytes

pytestmark = pytest.mark.django_db
URL = "/admin/reports/exportlog/export/"


@pytest.mark.parametrize("persona", ["supervisor", "backoffice", "admin_user"])
def test_export_page_opens_for_staff_roles(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="kind"' in html and 'name="columns_leads"' in html and 'name="filter_leads_status"' in html


def test_export_page_is_refused_for_agents(client, agent):
    client.force_login(agent)
    response = client.post(URL, {"kind": "leads"})
    assert response.status_code == 302 and "login" in response["Location"]
    assert not ExportLog.objects.exists()


def test_export_page_streams_the_chosen_columns_and_filtered_rows(client, supervisor, agent):
    LeadFactory(contact__name="Rosa Quispe", assignee=agent, status=LeadStatus.QUALIFIED)
    LeadFactory(contact__name="Luis Flores", assignee=agent, status=LeadStatus.NEW)
    client.force_login(supervisor)
    response = client.post(URL, {"kind": "leads", "filter_leads_status": "qualified",
                                 "columns_leads": ["contact", "score"]})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="leads-')
    rows = read_xlsx(response_bytes(response))["Leads"]
    assert len(rows[0]) == 2 and [r[0] for r in rows[1:]] == ["Rosa Quispe"]


def test_export_page_shows_errors_for_bad_dates(client, supervisor):
    client.force_login(supervisor)
    response = client.post(URL, {"kind": "leads", "date_from": "2026-02-01", "date_to": "2026-01-01"})
    assert response.status_code == 200 and "errornote" in response.content.decode()
    assert not ExportLog.objects.exists()


def test_export_list_has_the_export_button(client, supervisor):
    client.force_login(supervisor)
    response = client.get("/admin/reports/exportlog/")
    assert response.status_code == 200 and URL in response.content.decode()
