"""Matrix versions: the freeze of a used version, publishing, new versions, choosing a matrix, export/import."""

from __future__ import annotations

import io
import json
from decimal import Decimal

import pytest
from django.utils import translation
from openpyxl import load_workbook

from accounts.models import Team
from quality.models import EvaluationMatrix
from quality.services.matrices import (
    MatrixFrozenError,
    MatrixPublishError,
    matrix_as_dict,
    matrix_ensure_editable,
    matrix_export,
    matrix_for_subject,
    matrix_import,
    matrix_is_frozen,
    matrix_new_version,
    matrix_publish,
)
from tests.quality.factories import make_audit, make_matrix

pytestmark = pytest.mark.django_db

PUBLISHED, DRAFT, RETIRED = (EvaluationMatrix.Status.PUBLISHED, EvaluationMatrix.Status.DRAFT,
                             EvaluationMatrix.Status.RETIRED)


def test_a_version_freezes_once_an_audit_used_it(agent, supervisor):
    matrix = make_matrix()
    assert not matrix_is_frozen(matrix)
    matrix_ensure_editable(matrix)  # no error

    make_audit(matrix=matrix, agent=agent, analyst=supervisor)
    make_audit(matrix=matrix, agent=agent, analyst=supervisor)

    assert matrix_is_frozen(matrix)
    with translation.override("en"), pytest.raises(MatrixFrozenError) as error:
        matrix_ensure_editable(matrix)
    assert error.value.message == "This version was used by 2 audits: make a new version to change it."


def test_new_version_is_a_draft_copy_numbered_after_the_last(agent, supervisor):
    v1 = make_matrix(code="ventas", passing_score=70)
    make_audit(matrix=v1, agent=agent, analyst=supervisor)

    v2 = matrix_new_version(v1)

    assert (v2.code, v2.version, v2.status, v2.previous, v2.passing_score) == ("ventas", 2, DRAFT, v1, Decimal("70"))
    assert not matrix_is_frozen(v2)
    original, copy = matrix_as_dict(v1), matrix_as_dict(v2)
    assert copy["sections"] == original["sections"] and len(copy["sections"]) == 3
    assert set(v2.criteria.values_list("section__matrix", flat=True)) == {v2.pk}
    assert v1.criteria.count() == v2.criteria.count() == 6


def test_new_version_twice_returns_the_same_draft():
    v1 = make_matrix(code="ventas")

    assert matrix_new_version(v1) == matrix_new_version(v1)
    assert EvaluationMatrix.objects.filter(code="ventas").count() == 2


def test_publishing_retires_the_previous_published_version():
    v1 = make_matrix(code="ventas")
    other = make_matrix(code="chat")
    v2 = matrix_new_version(v1)

    matrix_publish(v2)

    v1.refresh_from_db(), v2.refresh_from_db(), other.refresh_from_db()
    assert (v1.status, v2.status, other.status) == (RETIRED, PUBLISHED, PUBLISHED)
    assert v2.published_at is not None


def test_an_empty_matrix_cannot_be_published():
    draft = make_matrix(code="vacia", status=DRAFT, criteria=[])

    with translation.override("en"), pytest.raises(MatrixPublishError) as error:
        matrix_publish(draft)
    assert "without criteria" in error.value.message
    draft.refresh_from_db()
    assert draft.status == DRAFT


def test_matrix_for_subject_prefers_team_then_campaign_then_channel(team):
    both = make_matrix(code="general", channel="any")
    calls = make_matrix(code="llamadas", channel="call")
    campaign = make_matrix(code="campana", channel="any", campaign="verano")
    mine = make_matrix(code="equipo", channel="call", team=team)
    make_matrix(code="borrador", channel="call", status=DRAFT, team=team, campaign="verano")
    make_matrix(code="otro-equipo", channel="call", team=Team.objects.create(name="Otro"))

    assert matrix_for_subject(channel="chat") == both
    assert matrix_for_subject(channel="call") == calls
    assert matrix_for_subject(channel="call", campaign="verano") == campaign
    assert matrix_for_subject(channel="call", campaign="verano", team=team) == mine
    assert matrix_for_subject(channel="chat", team=team) == both
    EvaluationMatrix.objects.update(status=RETIRED)
    assert matrix_for_subject(channel="call") is None


def test_json_export_round_trips_into_a_new_draft():
    original = make_matrix(code="ventas", channel="call", campaign="verano", passing_score=85)

    document = json.loads(matrix_export(original, "json"))
    (exported,) = document["matrices"]
    assert document["format"] == "crm-quality-matrix"
    assert [s["name"] for s in exported["sections"]] == ["Saludo", "Sondeo", "Cierre"]
    greeting = exported["sections"][0]["criteria"][0]
    assert greeting["keywords"] == ["buenos días", "buenas tardes", "mi nombre es"]
    assert exported["sections"][0]["criteria"][1]["is_critical"] is True

    copy = matrix_import(exported)

    assert (copy.code, copy.version, copy.status, copy.channel, copy.campaign, copy.passing_score) == (
        "ventas", 2, DRAFT, "call", "verano", Decimal("85.00"))
    again = matrix_as_dict(copy)
    for key in ("sections", "unsectioned_criteria", "name", "channel", "total_weight"):
        assert again[key] == exported[key]


def test_xlsx_export_lists_sections_criteria_weights_and_answer_types():
    matrix = make_matrix(code="ventas")

    with translation.override("en"):
        book = load_workbook(io.BytesIO(matrix_export(matrix, "xlsx")))
    summary, criteria = book["Matrices"], book["Criteria"]
    header = [c.value for c in criteria[1]]
    rows = [dict(zip(header, (c.value for c in row), strict=True)) for row in criteria.iter_rows(min_row=2)]

    assert [c.value for c in summary[2]][:2] == ["ventas", 1]
    assert len(rows) == 6
    critical = next(r for r in rows if r["Critical"] == "Yes")
    assert (critical["Criterion"], critical["Section"], critical["Weight"]) == (
        "Informa que la llamada es grabada", "Saludo", 2)
    assert round(sum(r["Weight (%)"] for r in rows)) == 100
    assert {r["Answer type"] for r in rows} == {"Yes / no", "Yes / partial / no", "Scale 1 to 5"}
    assert "mi nombre es" in next(r for r in rows if r["Criterion"] == "Saluda y se presenta")["Evidence words"]


def test_xlsx_keeps_formula_like_text_as_text():
    matrix = make_matrix(code="ventas", criteria=[{"text": "=HYPERLINK(\"http://x\")", "section": "S"}])

    book = load_workbook(io.BytesIO(matrix_export(matrix, "xlsx")))

    assert book.worksheets[1]["E2"].data_type == "s"
