"""The audit pages' input: the matrix chosen to start an audit, the answers of the matrix form, and the agent's
and the supervisor's answers to a sent audit."""

from __future__ import annotations

import math
from collections.abc import Iterable

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from quality.models import Audit, AuditScore, EvaluationMatrix
from quality.services.audits import AnswerInput

MAX_TEXT = 4000


class AuditStartForm(forms.Form):
    matrix = forms.ModelChoiceField(queryset=EvaluationMatrix.objects.none(), label=_("Evaluation matrix"),
                                    widget=forms.Select(attrs={"class": "form-select"}),
                                    empty_label=None)

    def __init__(self, *args, matrices: Iterable[EvaluationMatrix] = (), initial_matrix: EvaluationMatrix | None = None,
                 **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        field = self.fields["matrix"]
        field.queryset = matrices  # type: ignore[attr-defined]
        if initial_matrix is not None:
            field.initial = initial_matrix.pk


class AcknowledgeForm(forms.Form):
    comment = forms.CharField(label=_("Comment (optional)"), required=False, max_length=MAX_TEXT,
                              widget=forms.Textarea(attrs={"rows": 2}))


class DisputeForm(forms.Form):
    reason = forms.CharField(label=_("Why do you dispute it?"), max_length=MAX_TEXT,
                             widget=forms.Textarea(attrs={"rows": 3}))


class ResolveForm(forms.Form):
    resolution = forms.ChoiceField(label=_("Resolution"), choices=Audit.Resolution.choices,
                                   widget=forms.RadioSelect)
    note = forms.CharField(label=_("Note to the agent"), max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 2}))


def _seconds(value: str | None) -> float | None:
    try:
        number = float(value) if value not in (None, "") else None
    except ValueError:
        return None
    return number if number is not None and math.isfinite(number) and number >= 0 else None


def answers_from_post(scores: Iterable[AuditScore], data: QueryDict) -> list[AnswerInput]:
    """The matrix form's fields, one set per criterion: ``answer-<id>``, ``comment-<id>``, ``evidence-<id>`` and
    ``evidence_at-<id>``. A criterion whose fields were not posted keeps what it had."""
    answers = []
    for row in scores:
        pk = row.criterion_id
        if f"answer-{pk}" not in data and f"comment-{pk}" not in data:
            continue
        answers.append(AnswerInput(
            criterion_id=pk,
            answer=data.get(f"answer-{pk}", row.answer).strip(),
            comment=data.get(f"comment-{pk}", row.comment)[:MAX_TEXT],
            evidence=data.get(f"evidence-{pk}", row.evidence)[:MAX_TEXT],
            evidence_at=_seconds(data.get(f"evidence_at-{pk}")) if f"evidence_at-{pk}" in data else row.evidence_at,
        ))
    return answers
