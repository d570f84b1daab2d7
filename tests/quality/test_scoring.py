"""Scoring an audit: weights, partial answers, the 1-5 scale, "not applicable", critical criteria, passing,
agreement with the AI, and an audit keeping the matrix version it was scored with."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from quality.models import Criterion
from quality.services.matrices import matrix_new_version, matrix_publish
from quality.services.scoring import answer_fraction, answer_valid, audit_recompute, score_compute
from tests.quality.factories import criterion, make_audit, make_matrix

pytestmark = pytest.mark.django_db

YES_NO, PARTIAL, SCALE = (Criterion.AnswerType.YES_NO, Criterion.AnswerType.YES_NO_PARTIAL,
                          Criterion.AnswerType.SCALE)


def by_text(matrix, answers: dict[str, str]) -> dict[int, str]:  # type: ignore[no-untyped-def]
    return {criterion(matrix, text).pk: answer for text, answer in answers.items()}


def test_weights_make_a_weighted_mean_out_of_100():
    matrix = make_matrix(criteria=[{"text": "A", "weight": 3}, {"text": "B", "weight": 1}])

    result = score_compute(matrix, by_text(matrix, {"A": "yes", "B": "no"}))
    assert result.score == Decimal("75.00") and result.raw_score == Decimal("75.00")

    result = score_compute(matrix, by_text(matrix, {"A": "no", "B": "yes"}))
    assert result.score == Decimal("25.00")


def test_score_rounds_half_up_to_two_decimals():
    matrix = make_matrix(criteria=[{"text": t, "weight": 1} for t in "ABC"])

    result = score_compute(matrix, by_text(matrix, {"A": "yes", "B": "yes", "C": "no"}))

    assert result.score == Decimal("66.67")


def test_partial_answer_earns_half_the_weight():
    matrix = make_matrix(criteria=[{"text": "A", "weight": 2, "answer_type": PARTIAL}, {"text": "B", "weight": 2}])

    assert score_compute(matrix, by_text(matrix, {"A": "partial", "B": "yes"})).score == Decimal("75.00")


def test_scale_1_to_5_maps_onto_quarters():
    matrix = make_matrix(criteria=[{"text": "Tono", "answer_type": SCALE}])
    scores = {mark: score_compute(matrix, by_text(matrix, {"Tono": mark})).score for mark in "12345"}

    assert scores == {"1": Decimal("0.00"), "2": Decimal("25.00"), "3": Decimal("50.00"), "4": Decimal("75.00"),
                      "5": Decimal("100.00")}


def test_not_applicable_is_left_out_of_the_score_when_the_criterion_allows_it():
    matrix = make_matrix(criteria=[{"text": "A", "weight": 1}, {"text": "B", "weight": 3, "allow_na": True}])

    result = score_compute(matrix, by_text(matrix, {"A": "yes", "B": "na"}))

    assert result.score == Decimal("100.00")  # B's weight does not count against the agent


def test_not_applicable_is_refused_when_the_criterion_does_not_allow_it():
    matrix = make_matrix(criteria=[{"text": "A"}, {"text": "B"}])
    b = criterion(matrix, "B")

    assert not answer_valid(b, "na")
    with translation.override("en"), pytest.raises(ValidationError) as error:
        score_compute(matrix, by_text(matrix, {"A": "yes", "B": "na"}))
    assert "is not an answer for the criterion “B”" in error.value.messages[0]


@pytest.mark.parametrize(("answer_type", "good", "bad"), [
    (YES_NO, {"yes", "no"}, {"partial", "3", "maybe"}),
    (PARTIAL, {"yes", "partial", "no"}, {"1", "5"}),
    (SCALE, {"1", "2", "3", "4", "5"}, {"yes", "no", "0", "6"}),
])
def test_each_answer_type_takes_only_its_own_answers(answer_type, good, bad):  # type: ignore[no-untyped-def]
    c = Criterion(text="X", answer_type=answer_type)
    assert all(answer_valid(c, a) for a in good)
    assert not any(answer_valid(c, a) for a in bad)
    with pytest.raises(ValidationError):
        answer_fraction(c, sorted(bad)[0])


def test_blank_answers_are_left_out_and_nothing_answered_has_no_score():
    matrix = make_matrix(criteria=[{"text": "A", "weight": 1}, {"text": "B", "weight": 1}])

    assert score_compute(matrix, by_text(matrix, {"A": "yes", "B": ""})).score == Decimal("100.00")
    empty = score_compute(matrix, {})
    assert (empty.score, empty.raw_score, empty.critical_failed, empty.passed) == (None, None, False, None)


def test_a_failed_critical_criterion_zeroes_the_audit_and_keeps_the_raw_score(agent, supervisor):
    matrix = make_matrix(criteria=[
        {"text": "Informa grabación", "weight": 1, "is_critical": True},
        {"text": "Saluda", "weight": 3},
    ])

    audit = make_audit(matrix=matrix, agent=agent, analyst=supervisor,
                       answers={"Informa grabación": "no", "Saluda": "yes"})

    audit.refresh_from_db()
    assert audit.score == Decimal("0.00")
    assert audit.raw_score == Decimal("75.00")
    assert audit.critical_failed is True and audit.passed is False


def test_the_lowest_mark_of_a_critical_scale_fails_it_but_partial_does_not():
    matrix = make_matrix(criteria=[
        {"text": "Escala", "answer_type": SCALE, "is_critical": True},
        {"text": "Parcial", "answer_type": PARTIAL, "is_critical": True},
    ], passing_score=10)

    failed = score_compute(matrix, by_text(matrix, {"Escala": "1", "Parcial": "yes"}))
    assert failed.critical_failed and failed.score == 0 and failed.raw_score == Decimal("50.00")

    kept = score_compute(matrix, by_text(matrix, {"Escala": "2", "Parcial": "partial"}))
    assert not kept.critical_failed and kept.score == Decimal("37.50") and kept.passed


def test_passing_threshold_is_inclusive():
    matrix = make_matrix(criteria=[{"text": "A", "weight": 4, "answer_type": SCALE}], passing_score=75)

    assert score_compute(matrix, by_text(matrix, {"A": "4"})).passed is True  # exactly 75
    assert score_compute(matrix, by_text(matrix, {"A": "3"})).passed is False


def test_default_matrix_scores_a_realistic_audit(agent, supervisor):
    matrix = make_matrix()  # weights 1, 2(critical), 2(partial), 1(N/A allowed), 2(scale), 2

    audit = make_audit(matrix=matrix, agent=agent, analyst=supervisor, answers={
        "Saluda y se presenta": "yes", "Informa que la llamada es grabada": "yes",
        "Pregunta por la necesidad del cliente": "partial", "Confirma los datos del cliente": "na",
        "Tono y amabilidad": "4", "Ofrece el siguiente paso": "no",
    })

    # (1 + 2 + 1 + 1.5 + 0) / 9 = 61.11
    assert audit.score == Decimal("61.11") and audit.passed is False and not audit.critical_failed


def test_agreement_rate_counts_only_criteria_both_answered(agent, supervisor):
    matrix = make_matrix(criteria=[{"text": t} for t in "ABCDE"])

    audit = make_audit(
        matrix=matrix, agent=agent, analyst=supervisor,
        answers={"A": "yes", "B": "no", "C": "yes", "D": "yes"},
        ai_answers={"A": "yes", "B": "yes", "C": "yes", "E": "no"},  # D: no AI answer, E: no analyst answer
    )

    assert audit.ai_agreement == Decimal("66.67")  # A and C agree, B does not


def test_agreement_is_empty_without_an_ai_proposal(agent, supervisor):
    audit = make_audit(matrix=make_matrix(), agent=agent, analyst=supervisor,
                       answers={"Saluda y se presenta": "yes"})

    assert audit.ai_agreement is None


def test_recompute_follows_a_changed_answer(agent, supervisor):
    matrix = make_matrix(criteria=[{"text": "A"}, {"text": "B"}])
    audit = make_audit(matrix=matrix, agent=agent, analyst=supervisor, answers={"A": "yes", "B": "yes"},
                       ai_answers={"A": "yes", "B": "yes"})
    assert (audit.score, audit.ai_agreement) == (Decimal("100.00"), Decimal("100.00"))

    audit.scores.filter(criterion__text="B").update(answer="no")
    audit_recompute(audit)
    audit.refresh_from_db()

    assert (audit.score, audit.passed, audit.ai_agreement) == (Decimal("50.00"), False, Decimal("50.00"))


def test_an_audit_keeps_the_version_it_was_scored_with(agent, supervisor):
    v1 = make_matrix(code="ventas", criteria=[{"text": "Saluda", "weight": 1}, {"text": "Cierra", "weight": 1}])
    old = make_audit(matrix=v1, agent=agent, analyst=supervisor, answers={"Saluda": "yes", "Cierra": "no"})
    assert old.score == Decimal("50.00")

    v2 = matrix_new_version(v1)
    v2.criteria.filter(text="Cierra").update(weight=3, is_critical=True)
    v2.criteria.filter(text="Saluda").update(text="Saluda con su nombre")
    matrix_publish(v2)
    new = make_audit(matrix=v2, agent=agent, analyst=supervisor,
                     answers={"Saluda con su nombre": "yes", "Cierra": "no"})

    audit_recompute(old)
    old.refresh_from_db()
    assert old.matrix == v1 and old.score == Decimal("50.00") and not old.critical_failed
    assert sorted(old.scores.values_list("criterion__text", "criterion__weight")) == [("Cierra", 1), ("Saluda", 1)]
    assert new.critical_failed and new.raw_score == Decimal("25.00")
    v1.refresh_from_db()
    assert (v1.status, v2.version, v2.previous) == ("retired", 2, v1)
