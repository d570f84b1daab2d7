"""Calls in reports: per agent (answered, missed, talk time, outcomes), every call, the monthly summary,
the Export page and ``export_report``, each within the user's role."""

from __future__ import annotations

import io
from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from calls.models import Call
from reports.exports import ExportParams, export_get
from reports.models import ExportLog
from reports.monthly import monthly_report_write
from reports.services import export_run
from tests.calls.backoffice_data import make_call
from tests.leads.factories import ContactFactory
from tests.reports.conftest import aware, read_xlsx, response_bytes

pytestmark = pytest.mark.django_db

OCTOBER = aware(2026, 10, 15, 11)


@pytest.fixture
def october_calls(agent, other_agent):
    rosa = ContactFactory(name="Rosa Quispe")
    return [
        make_call(agent=agent, contact=rosa, duration=60, started_at=OCTOBER, outcome=Call.Outcome.SALE),
        make_call(agent=agent, duration=120, started_at=OCTOBER, ai_outcome=Call.Outcome.CALLBACK),
        make_call(agent=agent, status=Call.Status.NO_ANSWER, duration=0, started_at=OCTOBER,
                  direction=Call.Direction.OUTBOUND, outcome=Call.Outcome.NO_ANSWER),
        make_call(agent=other_agent, duration=300, started_at=OCTOBER, direction=Call.Direction.OUTBOUND,
                  outcome=Call.Outcome.NOT_INTERESTED, ai_outcome=Call.Outcome.INTERESTED),
        make_call(agent=None, is_voicemail=True, duration=20, started_at=OCTOBER, outcome=Call.Outcome.VOICEMAIL),
        # November: outside the month and the date range
        make_call(agent=agent, duration=999, started_at=aware(2026, 11, 2, 9)),
    ]


def _export(kind: str, *, user=None, **params) -> dict[str, list[list]]:  # type: ignore[no-untyped-def]
    handle = io.BytesIO()
    export_run(actor=user, kind=kind, handle=handle,
               params=ExportParams(date_from=date(2026, 10, 1), date_to=date(2026, 10, 31), **params))
    return read_xlsx(handle.getvalue())


def _by_first_column(book: dict[str, list[list]]) -> dict[str, dict[str, object]]:
    rows = next(iter(book.values()))
    return {row[0]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}


def test_calls_per_agent_counts_answered_missed_talk_time_and_outcomes_when_exported(october_calls, agent,
                                                                                     other_agent):
    rows = _export("calls_per_agent", columns=("agent", "calls", "inbound", "outbound", "answered", "missed",
                                               "answered_share", "talk_minutes", "average_talk_minutes",
                                               "outcome_sale", "outcome_callback", "outcome_no_answer",
                                               "outcome_not_interested", "outcome_interested",
                                               "outcome_voicemail"))
    table = _by_first_column(rows)
    mine = list(table[str(agent)].values())[1:]
    #       calls in out answered missed %  talk avg  sale callback no_answer not_int interested voicemail
    assert mine == [3, 2, 1, 2, 1, 66.7, 3.0, 1.5, 1, 1, 1, 0, 0, 0]
    theirs = list(table[str(other_agent)].values())[1:]
    assert theirs == [1, 0, 1, 1, 0, 100.0, 5.0, 5.0, 0, 0, 0, 1, 0, 0]  # the agent's outcome wins over the AI's
    nobody = list(table["Sin asignar" if "Sin asignar" in table else "Unassigned"].values())[1:]
    assert nobody == [1, 1, 0, 0, 1, 0.0, 0.0, None, 0, 0, 0, 0, 0, 1]


def test_a_supervisor_exports_only_their_teams_calls_and_the_unheld_ones_when_exporting(october_calls,
                                                                                        supervisor, agent):
    table = _by_first_column(_export("calls_per_agent", user=supervisor, columns=("agent", "calls")))
    assert {name: row[list(row)[1]] for name, row in table.items()} == {
        str(agent): 3, next(name for name in table if name != str(agent)): 1}
    every = _export("calls", user=supervisor, columns=("id",))
    assert {row[0] for row in next(iter(every.values()))[1:]} == {c.pk for c in october_calls[:3]} | {
        october_calls[4].pk}


def test_every_call_is_a_row_with_number_agent_and_outcome_when_exporting_calls(october_calls, agent):
    book = _export("calls", filters={"direction": "inbound"})
    rows = next(iter(book.values()))
    header = rows[0]
    by_id = {row[0]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    assert set(by_id) == {october_calls[0].pk, october_calls[1].pk, october_calls[4].pk}
    first = list(by_id[october_calls[0].pk].values())
    assert "Rosa Quispe" in first and october_calls[0].from_number in first and str(agent) in first
    assert 60 in first and 1.0 in first
    second = list(by_id[october_calls[1].pk].values())
    assert str(Call.Outcome.CALLBACK.label) in second  # no agent outcome: the AI's


def test_the_summary_runs_one_query_whatever_the_number_of_calls_when_exported(agent, other_agent):
    definition = export_get("calls_per_agent")
    from reports.exports import export_rows, export_validate

    params = export_validate(definition, ExportParams())
    make_call(agent=agent)
    with CaptureQueriesContext(connection) as one:
        list(export_rows(definition, params, user=None))
    for _ in range(10):
        make_call(agent=other_agent)
        make_call(agent=agent, status=Call.Status.BUSY)
    with CaptureQueriesContext(connection) as many:
        assert len(list(export_rows(definition, params, user=None))) == 2
    assert len(many) == len(one) == 1


def test_export_report_writes_calls_and_calls_per_agent_when_run(october_calls, tmp_path, agent):
    for kind in ("calls", "calls_per_agent"):
        target = tmp_path / f"{kind}.xlsx"
        out = StringIO()
        call_command("export_report", kind, "--from", "2026-10-01", "--to", "2026-10-31", "--no-progress",
                     "--output", str(target), stdout=out, stderr=StringIO())
        rows = next(iter(read_xlsx(target.read_bytes()).values()))
        assert f"{len(rows) - 1} rows" in out.getvalue()
    assert len(rows) == 1 + 3  # agent, other agent, unassigned
    assert ExportLog.objects.filter(kind="calls_per_agent", source="command").count() == 1


def test_export_report_filters_calls_per_agent_by_agent_when_asked(october_calls, tmp_path, agent):
    target = tmp_path / "mine.xlsx"
    call_command("export_report", "calls_per_agent", "--filter", f"agent={agent.pk}", "--columns", "agent,calls",
                 "--no-progress", "--output", str(target), stdout=StringIO(), stderr=StringIO())
    assert next(iter(read_xlsx(target.read_bytes()).values()))[1:] == [[str(agent), 4]]


def test_the_monthly_report_counts_calls_per_agent_when_written(october_calls, agent):
    handle = io.BytesIO()
    monthly_report_write(month=date(2026, 10, 1), user=None, handle=handle)
    book = read_xlsx(handle.getvalue())
    summary = next(iter(book.values()))
    header = summary[0]
    mine = dict(zip(header, next(row for row in summary[1:] if row[0] == str(agent)), strict=True))
    assert list(mine.values())[-4:] == [3, 2, 1, 3.0]  # calls, answered, missed, talk minutes
    assert list(summary[-1])[-4:] == [5, 3, 2, 8.0]
    assert len(book) == 1 + 10  # summary + leads, conversations, sales, quotes, agreements, calls, per agent, audits,
    # audit answers, tickets


def test_the_export_page_streams_calls_per_agent_when_a_supervisor_asks(client, supervisor, october_calls):
    client.force_login(supervisor)
    page = client.get(reverse("admin:reports_export"))
    assert page.status_code == 200 and "calls_per_agent" in page.content.decode()
    response = client.post(reverse("admin:reports_export"), {
        "kind": "calls_per_agent", "date_from": "2026-10-01", "date_to": "2026-10-31",
        "columns_calls_per_agent": ["agent", "calls", "talk_minutes"]})
    assert response.status_code == 200
    rows = next(iter(read_xlsx(response_bytes(response)).values()))
    assert sorted(row[1] for row in rows[1:]) == [1, 3]


def test_agents_cannot_export_calls_when_asking(client, agent, october_calls):
    client.force_login(agent)
    response = client.post(reverse("admin:reports_export"), {"kind": "calls"})
    assert response.status_code in (302, 403)


def test_the_outcome_filter_reads_the_agents_outcome_else_the_ais_when_exporting_calls(october_calls):
    def exported(outcome: str) -> set[int]:
        book = _export("calls", filters={"outcome": outcome}, columns=("id",))
        return {row[0] for row in next(iter(book.values()))[1:]}

    assert exported("callback") == {october_calls[1].pk}  # only the AI read it
    assert exported("not_interested") == {october_calls[3].pk}  # the agent's word over the AI's "interested"
    assert exported("interested") == set()
