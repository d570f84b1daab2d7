"""Tickets in reports: one row per ticket the user may see, with the SLA clocks and where each stands."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone, translation

from reports.exports import ExportError, ExportParams
from reports.services import export_run
from tests.reports.conftest import aware, read_xlsx, response_bytes
from tests.tickets.factories import make_conversation
from tickets.models import Ticket
from tickets.services import ticket_create

pytestmark = pytest.mark.django_db

OCTOBER = aware(2026, 10, 15, 11)
URL = "/admin/reports/exportlog/export/"


@pytest.fixture
def october_tickets(agent, other_agent):  # type: ignore[no-untyped-def]
    with time_machine.travel(OCTOBER, tick=False):
        ours = ticket_create(actor=agent, subject="Router sin señal", priority="critical", assignee=agent,
                             conversation=make_conversation(assignee=agent, name="Rosa Quispe"))
        late = ticket_create(actor=agent, subject="Cobro doble", priority="high", assignee=agent)
        theirs = ticket_create(actor=other_agent, subject="Del equipo Norte", priority="low", assignee=other_agent)
    return {"ours": ours, "late": late, "theirs": theirs}


def _export(user, *, columns: tuple[str, ...], **params) -> list[dict]:  # type: ignore[no-untyped-def]
    """The rows as {column key: value} (the file's header is in the user's language)."""
    handle = io.BytesIO()
    export_run(actor=user, kind="tickets", handle=handle, params=ExportParams(
        date_from=date(2026, 10, 1), date_to=date(2026, 10, 31), columns=columns, **params))
    rows = next(iter(read_xlsx(handle.getvalue()).values()))
    assert len(rows[0]) == len(columns)
    return [dict(zip(columns, [*row, *[None] * (len(columns) - len(row))], strict=True)) for row in rows[1:]]


def test_each_row_has_the_sla_status_and_minutes_left_when_exported(october_tickets, admin_user):
    # 20 minutes in, the critical ticket's first answer (due in 30) is on time: the warning comes at 80%.
    with time_machine.travel(OCTOBER + timedelta(minutes=20), tick=False), translation.override("en"):
        rows = _export(admin_user, columns=("number", "subject", "priority", "sla_status", "sla_clock",
                                            "sla_minutes_left", "contact"))
    by_subject = {row["subject"]: row for row in rows}
    ours = by_subject["Router sin señal"]
    assert ours["number"] == october_tickets["ours"].number and ours["contact"] == "Rosa Quispe"
    assert (ours["sla_status"], ours["sla_clock"], ours["sla_minutes_left"]) == ("On time", "first response", 10.0)
    with time_machine.travel(OCTOBER + timedelta(hours=3), tick=False), translation.override("en"):
        rows = _export(admin_user, columns=("subject", "sla_status", "sla_minutes_left"))
    late = {row["subject"]: row for row in rows}["Cobro doble"]  # high: first answer within 2 hours
    assert (late["sla_status"], late["sla_minutes_left"]) == ("Breached", -60.0)


@pytest.mark.parametrize("role, expected", [
    ("admin_user", {"Router sin señal", "Cobro doble", "Del equipo Norte"}),
    ("backoffice", {"Router sin señal", "Cobro doble", "Del equipo Norte"}),
    ("supervisor", {"Router sin señal", "Cobro doble"}),
])
def test_each_role_exports_only_the_tickets_it_may_see_when_exporting(october_tickets, role, expected, request):
    rows = _export(request.getfixturevalue(role), columns=("subject",))
    assert {row["subject"] for row in rows} == expected


def test_agents_cannot_export_tickets_when_asking(october_tickets, agent):
    from core.errors import PermissionDeniedError

    with pytest.raises(PermissionDeniedError):
        _export(agent, columns=("subject",))


def test_filter_by_an_assignee_outside_the_team_is_refused_when_supervisor_exports(october_tickets, supervisor,
                                                                                 other_agent):
    with pytest.raises(ExportError):
        _export(supervisor, columns=("subject",), filters={"assignee": str(other_agent.pk)})


def test_admin_export_page_streams_the_xlsx_with_the_visible_rows_when_posted(october_tickets, supervisor):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(supervisor)
    response = client.post(URL, {"kind": "tickets", "date_from": "2026-10-01", "date_to": "2026-10-31",
                                 "columns_tickets": ["number", "subject", "state", "sla_status"],
                                 "filter_tickets_priority": "critical"})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="tickets-')
    rows = read_xlsx(response_bytes(response))["Tickets"]
    assert rows[0] == ["number", "subject", "state", "SLA status"]
    assert [r[:3] for r in rows[1:]] == [[october_tickets["ours"].number, "Router sin señal", "Open"]]
    assert rows[1][3] in {"Breached", "At risk", "On time"}  # now, long after October: breached
    assert Ticket.objects.count() == 3
    assert timezone.now() > OCTOBER
