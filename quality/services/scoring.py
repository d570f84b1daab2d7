"""Scoring an audit against its matrix version.

Each answered criterion gives a fraction: yes 1, partial 0.5, no 0, a 1-5 scale (v-1)/4; "not applicable"
(only where the criterion allows it) and a blank answer are left out. The raw score is the weighted mean of
the fractions, out of 100, rounded half up to 2 decimals (None when nothing is answered). A critical
criterion answered "no" (or the scale's 1) fails the audit: its score is 0 and the raw score is kept to show
what it would have been. The audit passes when its score reaches the matrix's passing score.

The agreement with the AI is the share of the criteria where both the AI and the analyst answered and gave
the same answer.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from quality.models import Audit, AuditScore, Criterion, EvaluationMatrix

CENT = Decimal("0.01")
HUNDRED = Decimal(100)

_FRACTIONS: dict[str, Decimal] = {
    AuditScore.Answer.YES: Decimal(1),
    AuditScore.Answer.PARTIAL: Decimal("0.5"),
    AuditScore.Answer.NO: Decimal(0),
}
_SCALE = {str(v): (Decimal(v) - 1) / 4 for v in range(1, 6)}
#: Every answer's share of its criterion's weight (the answers of each type do not overlap); the dashboard's
#: averages are computed in SQL from the same table.
FRACTIONS: Mapping[str, Decimal] = {**_FRACTIONS, **_SCALE}
#: The answers that fail a criterion: "no" and the scale's lowest mark (a critical one zeroes the audit).
FAILING_ANSWERS = (AuditScore.Answer.NO, AuditScore.Answer.S1)
_VALID: dict[str, frozenset[str]] = {
    Criterion.AnswerType.YES_NO: frozenset({"yes", "no"}),
    Criterion.AnswerType.YES_NO_PARTIAL: frozenset({"yes", "partial", "no"}),
    Criterion.AnswerType.SCALE: frozenset(_SCALE),
}


@dataclass(frozen=True)
class ScoreResult:
    score: Decimal | None
    raw_score: Decimal | None
    critical_failed: bool
    passed: bool | None


def answer_valid(criterion: Criterion, answer: str) -> bool:
    """Whether ``answer`` is one the criterion takes (yes/no; +partial; 1..5; "na" only where allowed)."""
    if answer == AuditScore.Answer.NA:
        return criterion.allow_na
    return answer in _VALID.get(criterion.answer_type, frozenset())


def answer_fraction(criterion: Criterion, answer: str) -> Decimal | None:
    """The share of the criterion's weight the answer earns; None for "na" or blank (left out of the score).

    Raises ``ValidationError`` for an answer the criterion does not take.
    """
    if not answer:
        return None
    if not answer_valid(criterion, answer):
        raise ValidationError(
            _("“%(answer)s” is not an answer for the criterion “%(criterion)s”.")
            % {"answer": answer, "criterion": criterion.text},
            code="invalid_answer",
        )
    if answer == AuditScore.Answer.NA:
        return None
    if criterion.answer_type == Criterion.AnswerType.SCALE:
        return _SCALE[answer]
    return _FRACTIONS[answer]


def _critical_fails(criterion: Criterion, answer: str) -> bool:
    return criterion.is_critical and answer in FAILING_ANSWERS


def _round(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _compute(pairs: Iterable[tuple[Criterion, str]], passing_score: Decimal) -> ScoreResult:
    earned = Decimal(0)
    total = Decimal(0)
    critical_failed = False
    for criterion, answer in pairs:
        fraction = answer_fraction(criterion, answer)
        if fraction is None:
            continue
        earned += criterion.weight * fraction
        total += criterion.weight
        critical_failed = critical_failed or _critical_fails(criterion, answer)
    if not total:
        # Nothing answered (or only weight-0 criteria): no score yet.
        return ScoreResult(score=None, raw_score=None, critical_failed=critical_failed,
                           passed=False if critical_failed else None)
    raw = _round(HUNDRED * earned / total)
    score = Decimal("0.00") if critical_failed else raw
    return ScoreResult(score=score, raw_score=raw, critical_failed=critical_failed, passed=score >= passing_score)


def score_compute(matrix: EvaluationMatrix, answers: Mapping[int, str]) -> ScoreResult:
    """The score of ``answers`` (criterion id -> answer) against ``matrix``; criteria not given count as blank.

    Raises ``ValidationError`` for a criterion of another matrix or an answer the criterion does not take.
    """
    criteria = {c.pk: c for c in matrix.criteria.all()}
    unknown = [pk for pk in answers if pk not in criteria]
    if unknown:
        raise ValidationError(_("These criteria are not part of the matrix: %(ids)s.")
                              % {"ids": ", ".join(str(pk) for pk in unknown)}, code="unknown_criterion")
    return _compute(((criteria[pk], answer) for pk, answer in answers.items()), matrix.passing_score)


def ai_agreement_compute(scores: Iterable[AuditScore]) -> Decimal | None:
    """100 * (answers equal to the AI's) / (criteria both answered); None when there is no such criterion."""
    both = agree = 0
    for row in scores:
        if row.ai_answer and row.answer:
            both += 1
            agree += row.ai_answer == row.answer
    if not both:
        return None
    return _round(HUNDRED * agree / both)


def audit_recompute(audit: Audit) -> Audit:
    """Recompute the audit's score, raw score, critical failure, pass and AI agreement from its answers; saves them.

    The criteria are those of the audit's rows, so an audit keeps the matrix version it was scored with.
    """
    scores = list(audit.scores.select_related("criterion"))
    result = _compute(((row.criterion, row.answer) for row in scores), audit.matrix.passing_score)
    audit.score = result.score
    audit.raw_score = result.raw_score
    audit.critical_failed = result.critical_failed
    audit.passed = result.passed
    audit.ai_agreement = ai_agreement_compute(scores)
    audit.save(update_fields=["score", "raw_score", "critical_failed", "passed", "ai_agreement", "updated_at"])
    return audit
