"""Quality audits in reports: one row per audit ("audits") and one per answer ("audit_scores"), within the role."""

from __future__ import annotations

import io
from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.errors import PermissionDeniedError
from quality.models import Audit
from reports.exports import ExportError, ExportParams, export_get, export_rows, export_validate
from reports.services import export_run
from tests.calls.backoffice_data import make_call
from tests.quality.factories import criteria_of, make_audit, make_conversation, make_matrix
from tests.reports.conftest import aware, read_xlsx, response_bytes

pytestmark = pytest.mark.django_db

OCTOBER = aware(2026, 10, 15, 11)
FULL = ["yes", "yes", "partial", "na", "4", "yes"]  # 83.33 on the default scorecard (tests/quality/factories.py)


@pytest.fixture
def october_audits(agent, other_agent, supervisor, admin_user):
    matrix = make_matrix(code="ventas-llamadas", name="Ventas por llamada")
    answers = dict(zip(criteria_of(matrix), FULL, strict=True))
    call = make_call(agent=agent, started_at=OCTOBER)
    sent = make_audit(matrix=matrix, agent=agent, analyst=supervisor, call=call, status=Audit.Status.SUBMITTED,
                      answers=answers, ai_answers=dict.fromkeys(criteria_of(matrix), "yes"))
    Audit.objects.filter(pk=sent.pk).update(feedback="Buen cierre.")
    draft = make_audit(matrix=matrix, agent=agent, analyst=supervisor,
                       conversation=make_conversation(assignee=agent))
    theirs = make_audit(matrix=matrix, agent=other_agent, analyst=admin_user, status=Audit.Status.ACKNOWLEDGED,
                        answers={**answers, criteria_of(matrix)[1]: "no"})
    november = make_audit(matrix=matrix, agent=agent, analyst=supervisor, status=Audit.Status.SUBMITTED)
    for audit in (sent, draft, theirs):
        Audit.objects.filter(pk=audit.pk).update(created_at=OCTOBER)
    Audit.objects.filter(pk=november.pk).update(created_at=aware(2026, 11, 2, 9))
    return {"matrix": matrix, "call": call, "sent": sent, "draft": draft, "theirs": theirs}


def _export(kind: str, *, user=None, **params) -> list[dict]:  # type: ignore[no-untyped-def]
    handle = io.BytesIO()
    export_run(actor=user, kind=kind, handle=handle,
               params=ExportParams(date_from=date(2026, 10, 1), date_to=date(2026, 10, 31), **params))
    rows = next(iter(read_xlsx(handle.getvalue()).values()))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def test_every_audit_is_a_row_with_agent_scorecard_subject_and_score_when_exported(october_audits, agent,
                                                                                  supervisor, other_agent):
    columns = ("id", "agent", "team", "analyst", "matrix", "subject", "score", "passed", "critical_failed",
               "status", "ai_agreement", "feedback")
    rows = _export("audits", columns=columns)
    by_id = {row[next(iter(row))]: list(row.values()) for row in rows}
    sent, theirs, draft = october_audits["sent"], october_audits["theirs"], october_audits["draft"]
    assert set(by_id) == {sent.pk, theirs.pk, draft.pk}  # not November's
    call = october_audits["call"]
    assert by_id[sent.pk][1:] == [str(agent), "Equipo Lima", str(supervisor), "Ventas por llamada v1",
                                  by_id[sent.pk][5], 83.33, True, False,
                                  str(Audit.Status.SUBMITTED.label), 50.0, "Buen cierre."]  # 3 of 6 as the AI said
    assert by_id[sent.pk][5].endswith(f" {call.pk}")
    assert by_id[theirs.pk][1:3] == [str(other_agent), "Equipo Norte"]
    assert by_id[theirs.pk][6:9] == [0, False, True]  # the critical "no" zeroes it
    assert by_id[draft.pk][5].endswith(f" {draft.conversation_id}") and by_id[draft.pk][6] is None


@pytest.mark.parametrize("role, expected", [
    ("admin_user", {"sent", "draft", "theirs"}),
    ("backoffice", {"sent", "theirs"}),  # back office reads sent audits, never an analyst's draft
    ("supervisor", {"sent", "draft"}),
])
def test_each_role_exports_only_the_audits_it_may_see_when_exporting(october_audits, role, expected, request):
    user = request.getfixturevalue(role)
    ids = {row["ID"] for row in _export("audits", user=user, columns=("id",))}
    assert ids == {october_audits[name].pk for name in expected}
    answers = _export("audit_scores", user=user, columns=("audit",))
    assert {next(iter(row.values())) for row in answers} == {october_audits[name].pk for name in expected}


def test_an_agent_cannot_export_audits_when_asking(october_audits, agent):
    with pytest.raises(PermissionDeniedError):
        _export("audits", user=agent)


def test_every_answer_is_a_row_beside_the_ai_s_when_exporting_answers(october_audits):
    sent = october_audits["sent"]
    rows = _export("audit_scores", columns=("audit", "section", "criterion", "weight", "critical", "answer",
                                            "ai_answer", "agrees"),
                   filters={"status": Audit.Status.SUBMITTED})
    table = [list(row.values()) for row in rows]
    assert [r[0] for r in table] == [sent.pk] * 6
    assert [r[2] for r in table] == [c.text for c in criteria_of(october_audits["matrix"])]
    assert [r[3] for r in table] == [1, 2, 2, 1, 2, 2]
    assert [r[4] for r in table] == [False, True, False, False, False, False]
    assert [r[7] for r in table] == [True, True, False, False, False, True]  # the AI said "yes" to every one


def test_the_agent_and_scorecard_filters_narrow_the_rows_when_chosen(october_audits, agent, supervisor):
    ids = {row["ID"] for row in _export("audits", user=supervisor, columns=("id",),
                                        filters={"agent": str(agent.pk), "status": Audit.Status.DRAFT})}
    assert ids == {october_audits["draft"].pk}
    other = make_matrix(code="otra")
    rows = _export("audits", columns=("id",), filters={"matrix": str(october_audits["matrix"].pk)})
    assert len(rows) == 3
    with pytest.raises(ExportError):  # a scorecard nobody was audited with is no choice
        _export("audits", user=supervisor, columns=("id",), filters={"matrix": str(other.pk)})


def test_the_audit_export_takes_the_same_queries_whatever_the_number_of_audits(october_audits, agent,
                                                                              supervisor):
    definition = export_get("audits")
    params = export_validate(definition, ExportParams())
    with CaptureQueriesContext(connection) as few:
        list(export_rows(definition, params, user=supervisor))
    for _ in range(5):
        make_audit(matrix=october_audits["matrix"], agent=agent, analyst=supervisor, status=Audit.Status.SUBMITTED)
    with CaptureQueriesContext(connection) as many:
        list(export_rows(definition, params, user=supervisor))
    assert len(many) == len(few)


def test_the_export_page_and_the_command_offer_the_audits_when_asked(client, october_audits, supervisor,
                                                                    tmp_path):
    client.force_login(supervisor)
    response = client.post(reverse("admin:reports_export"), {"kind": "audits", "columns_audits": ["id"]})
    assert response.status_code == 200
    rows = next(iter(read_xlsx(response_bytes(response)).values()))
    assert {row[0] for row in rows[1:]} >= {october_audits["sent"].pk, october_audits["draft"].pk}
    target = tmp_path / "audits.xlsx"
    call_command("export_report", "audit_scores", "--from", "2026-10-01", "--to", "2026-10-31", "--no-progress",
                 "--output", str(target), stdout=StringIO(), stderr=StringIO())
    rows = next(iter(read_xlsx(target.read_bytes()).values()))
    assert len(rows) == 1 + 3 * 6  # header, then the three October audits' six answers each
