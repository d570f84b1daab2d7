"""Evaluation matrices: versions, publishing, the freeze of a used version, choosing one, export and import.

A matrix version that an audit was scored with is *frozen*: its sections and criteria cannot change (the
audit must keep the criteria and weights it was scored with). To change a frozen scorecard make its next
version (``matrix_new_version``: a draft copy), edit the draft and publish it; publishing retires the
version published before it.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from accounts.models import Team
from core.errors import ApplicationError
from quality.models import Criterion, EvaluationMatrix, MatrixSection

EXPORT_FORMATS = ("json", "xlsx")
JSON_FORMAT_NAME = "crm-quality-matrix"
JSON_FORMAT_VERSION = 1


class MatrixFrozenError(ApplicationError):
    code = "matrix_frozen"


class MatrixPublishError(ApplicationError):
    code = "matrix_publish"


# --- the freeze --------------------------------------------------------------------------------------------
def matrix_audit_count(matrix: EvaluationMatrix) -> int:
    return matrix.audits.count() if matrix.pk else 0


def matrix_is_frozen(matrix: EvaluationMatrix) -> bool:
    """Whether an audit was scored with this version (its sections and criteria may no longer change)."""
    return bool(matrix.pk) and matrix.audits.exists()


def matrix_frozen_message(count: int) -> str:
    return ngettext(
        "This version was used by %(count)d audit: make a new version to change it.",
        "This version was used by %(count)d audits: make a new version to change it.",
        count,
    ) % {"count": count}


def matrix_ensure_editable(matrix: EvaluationMatrix) -> None:
    """Raise ``MatrixFrozenError`` if the version's sections or criteria may not change."""
    count = matrix_audit_count(matrix)
    if count:
        raise MatrixFrozenError(matrix_frozen_message(count), extra={"audits": count})


# --- versions ----------------------------------------------------------------------------------------------
def _matrix_validate_publishable(matrix: EvaluationMatrix) -> None:
    criteria = list(matrix.criteria.all())
    if not criteria:
        raise MatrixPublishError(_("A matrix without criteria cannot be published."))
    if not any(c.weight for c in criteria):
        raise MatrixPublishError(_("At least one criterion must weigh more than zero."))
    foreign = [c.text for c in criteria if c.section_id and c.section.matrix_id != matrix.pk]
    if foreign:
        raise MatrixPublishError(_("These criteria belong to another matrix's section: %(names)s.")
                                 % {"names": ", ".join(foreign)})


@transaction.atomic
def matrix_publish(matrix: EvaluationMatrix) -> EvaluationMatrix:
    """Publish the version; the code's other published version is retired (one published version per code)."""
    matrix = EvaluationMatrix.objects.select_for_update().get(pk=matrix.pk)
    if matrix.status == EvaluationMatrix.Status.PUBLISHED:
        return matrix
    _matrix_validate_publishable(matrix)
    now = timezone.now()
    (EvaluationMatrix.objects.select_for_update().filter(code=matrix.code, status=EvaluationMatrix.Status.PUBLISHED)
     .exclude(pk=matrix.pk).update(status=EvaluationMatrix.Status.RETIRED, updated_at=now))
    matrix.status = EvaluationMatrix.Status.PUBLISHED
    matrix.published_at = now
    matrix.save(update_fields=["status", "published_at", "updated_at"])
    return matrix


def _copy_structure(source: EvaluationMatrix, target: EvaluationMatrix) -> None:
    sections: dict[int, MatrixSection] = {}
    for section in source.sections.order_by("position", "pk"):
        sections[section.pk] = MatrixSection.objects.create(matrix=target, name=section.name,
                                                            position=section.position)
    Criterion.objects.bulk_create([
        Criterion(
            matrix=target, section=sections.get(c.section_id) if c.section_id else None, position=c.position,
            text=c.text, guidance=c.guidance, weight=c.weight, is_critical=c.is_critical,
            answer_type=c.answer_type, allow_na=c.allow_na, keywords=c.keywords,
            negative_keywords=c.negative_keywords, speaker=c.speaker,
        )
        for c in source.criteria.order_by("section__position", "position", "pk")
    ])


def _next_version(code: str) -> int:
    return (EvaluationMatrix.objects.filter(code=code).aggregate(top=Max("version"))["top"] or 0) + 1


@transaction.atomic
def matrix_new_version(matrix: EvaluationMatrix) -> EvaluationMatrix:
    """A draft copy of ``matrix`` (sections and criteria), numbered after the code's last version.

    If a draft made from this version already exists it is returned instead of a second one.
    """
    # Lock the versions of the code so two clicks do not both take the same number.
    list(EvaluationMatrix.objects.select_for_update().filter(code=matrix.code).values_list("pk", flat=True))
    existing = (EvaluationMatrix.objects.filter(previous=matrix, status=EvaluationMatrix.Status.DRAFT)
                .order_by("-version").first())
    if existing is not None:
        return existing
    draft = EvaluationMatrix.objects.create(
        code=matrix.code, version=_next_version(matrix.code), name=matrix.name, description=matrix.description,
        channel=matrix.channel, campaign=matrix.campaign, team=matrix.team, passing_score=matrix.passing_score,
        status=EvaluationMatrix.Status.DRAFT, previous=matrix,
    )
    _copy_structure(matrix, draft)
    return draft


def matrix_for_subject(*, channel: str, campaign: str = "", team: Team | None = None) -> EvaluationMatrix | None:
    """The published matrix for a call ("call") or a chat ("chat") of ``campaign`` by an agent of ``team``.

    Candidates are the published versions for that channel or for both, for that campaign or every campaign,
    for that team or every team. The most specific wins: a team's own matrix, then a campaign's, then one
    made for the channel rather than for both; among equals the latest published.
    """
    candidates = EvaluationMatrix.objects.filter(
        status=EvaluationMatrix.Status.PUBLISHED, channel__in=[channel, EvaluationMatrix.Channel.ANY],
        campaign__in=[campaign or "", ""],
    )
    team_q = Q(team__isnull=True) | Q(team=team) if team is not None else Q(team__isnull=True)
    candidates = candidates.filter(team_q)

    def specificity(m: EvaluationMatrix) -> tuple[bool, bool, bool, Any, int]:
        return (m.team_id is not None, bool(m.campaign), m.channel == channel,
                m.published_at or m.created_at, m.pk)

    ranked = sorted(candidates, key=specificity, reverse=True)
    return ranked[0] if ranked else None


# --- export ------------------------------------------------------------------------------------------------
def _criterion_dict(c: Criterion) -> dict[str, Any]:
    return {
        "text": c.text, "guidance": c.guidance, "position": c.position, "weight": c.weight,
        "is_critical": c.is_critical, "answer_type": c.answer_type, "allow_na": c.allow_na,
        "keywords": c.keyword_list, "negative_keywords": c.negative_keyword_list, "speaker": c.speaker,
    }


def _ordered_criteria(matrix: EvaluationMatrix) -> list[Criterion]:
    return list(matrix.criteria.select_related("section").order_by("section__position", "position", "pk"))


def matrix_as_dict(matrix: EvaluationMatrix) -> dict[str, Any]:
    """The matrix as plain data: what ``matrix_import`` reads back."""
    criteria = _ordered_criteria(matrix)
    sections = [
        {"name": s.name, "position": s.position,
         "criteria": [_criterion_dict(c) for c in criteria if c.section_id == s.pk]}
        for s in matrix.sections.order_by("position", "pk")
    ]
    return {
        "code": matrix.code, "version": matrix.version, "name": matrix.name, "description": matrix.description,
        "channel": matrix.channel, "campaign": matrix.campaign, "team": matrix.team.name if matrix.team else "",
        "status": matrix.status, "passing_score": str(matrix.passing_score),
        "published_at": matrix.published_at.isoformat() if matrix.published_at else None,
        "total_weight": sum(c.weight for c in criteria),
        "sections": sections,
        "unsectioned_criteria": [_criterion_dict(c) for c in criteria if c.section_id is None],
    }


def matrices_export(matrices: Iterable[EvaluationMatrix], fmt: str) -> bytes:
    """Several matrices in one file: JSON (``{"format", "format_version", "matrices": [...]}``) or an .xlsx
    workbook with a "Matrices" sheet and a "Criteria" sheet (one row per criterion)."""
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; use one of {', '.join(EXPORT_FORMATS)}")
    data = [matrix_as_dict(m) for m in matrices]
    if fmt == "json":
        document = {"format": JSON_FORMAT_NAME, "format_version": JSON_FORMAT_VERSION,
                    "exported_at": timezone.now().isoformat(), "matrices": data}
        return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")
    return _xlsx(data)


def matrix_export(matrix: EvaluationMatrix, fmt: str) -> bytes:
    """One matrix as JSON or .xlsx (see ``matrices_export``)."""
    return matrices_export([matrix], fmt)


def _header(sheet: Any, titles: Sequence[str]) -> None:
    sheet.append([str(t) for t in titles])
    for cell in sheet[1]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="0D6EFD")
    sheet.freeze_panes = "A2"


def _append(sheet: Any, values: Sequence[Any]) -> None:
    """A row whose text stays text: openpyxl would store a string starting with "=" as a live formula."""
    sheet.append(list(values))
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str) and cell.value.startswith("="):
            cell.data_type = "s"


def _xlsx(data: Sequence[Mapping[str, Any]]) -> bytes:
    answer_labels = dict(Criterion.AnswerType.choices)
    channel_labels = dict(EvaluationMatrix.Channel.choices)
    status_labels = dict(EvaluationMatrix.Status.choices)
    yes, no = _("Yes"), _("No")
    workbook = Workbook()
    summary = workbook.active
    summary.title = str(_("Matrices"))[:31]
    _header(summary, [_("Code"), _("Version"), _("Name"), _("Channel"), _("Campaign"), _("Team"), _("Status"),
                      _("Passing score"), _("Sections"), _("Criteria"), _("Critical criteria"), _("Total weight")])
    rows = workbook.create_sheet(str(_("Criteria"))[:31])
    _header(rows, [_("Code"), _("Version"), _("Section"), _("Position"), _("Criterion"), _("Weight"),
                   _("Weight (%)"), _("Critical"), _("Answer type"), _("May be not applicable"),
                   _("Who must say it"), _("Evidence words"), _("Failure words"), _("Guidance")])
    for m in data:
        criteria = [(s["name"], c) for s in m["sections"] for c in s["criteria"]]
        criteria += [("", c) for c in m["unsectioned_criteria"]]
        total = m["total_weight"] or 0
        _append(summary, [
            m["code"], m["version"], m["name"], str(channel_labels.get(m["channel"], m["channel"])),
            m["campaign"], m["team"], str(status_labels.get(m["status"], m["status"])),
            float(m["passing_score"]), len(m["sections"]), len(criteria),
            sum(1 for _s, c in criteria if c["is_critical"]), total,
        ])
        for section, c in criteria:
            share = round(100 * c["weight"] / total, 2) if total else 0
            _append(rows, [
                m["code"], m["version"], section, c["position"], c["text"], c["weight"], share,
                yes if c["is_critical"] else no, str(answer_labels.get(c["answer_type"], c["answer_type"])),
                yes if c["allow_na"] else no, c["speaker"], "\n".join(c["keywords"]),
                "\n".join(c["negative_keywords"]), c["guidance"],
            ])
    for sheet, widths in ((summary, [18, 8, 30, 16, 16, 16, 12, 12, 9, 9, 12, 12]),
                          (rows, [18, 8, 18, 8, 48, 8, 10, 9, 20, 12, 12, 40, 30, 40])):
        for index, width in enumerate(widths):
            sheet.column_dimensions[chr(ord("A") + index)].width = width
    handle = io.BytesIO()
    workbook.save(handle)
    return handle.getvalue()


# --- import (the JSON export read back) --------------------------------------------------------------------
def _words(value: Any) -> str:
    if isinstance(value, str):
        return value
    return "\n".join(str(v).strip() for v in value or () if str(v).strip())


def _criterion_from(spec: Mapping[str, Any], *, matrix: EvaluationMatrix, section: MatrixSection | None,
                    position: int) -> Criterion:
    answer_type = spec.get("answer_type", Criterion.AnswerType.YES_NO)
    if answer_type not in Criterion.AnswerType.values:
        raise ValidationError(_("Unknown answer type “%(type)s”.") % {"type": answer_type})
    return Criterion(
        matrix=matrix, section=section, position=int(spec.get("position", position)), text=str(spec["text"]),
        guidance=str(spec.get("guidance", "")), weight=int(spec.get("weight", 1)),
        is_critical=bool(spec.get("is_critical", False)), answer_type=answer_type,
        allow_na=bool(spec.get("allow_na", False)), keywords=_words(spec.get("keywords")),
        negative_keywords=_words(spec.get("negative_keywords")), speaker=str(spec.get("speaker", "")),
    )


@transaction.atomic
def matrix_import(data: Mapping[str, Any], *, code: str | None = None) -> EvaluationMatrix:
    """A new *draft* version built from one matrix of the JSON export (``matrix_as_dict``), numbered after
    the code's last version; the team is matched by name (left empty if there is none by that name)."""
    try:
        code = code or str(data["code"])
        passing = Decimal(str(data.get("passing_score", "80")))
        team = Team.objects.filter(name=data["team"]).first() if data.get("team") else None
        matrix = EvaluationMatrix(
            code=code, version=_next_version(code), name=str(data["name"]),
            description=str(data.get("description", "")),
            channel=data.get("channel", EvaluationMatrix.Channel.ANY), campaign=str(data.get("campaign", "")),
            team=team, passing_score=passing, status=EvaluationMatrix.Status.DRAFT,
        )
        matrix.full_clean(exclude=["previous"])
        matrix.save()
        criteria: list[Criterion] = []
        for index, section_spec in enumerate(data.get("sections", ())):
            section = MatrixSection.objects.create(matrix=matrix, name=str(section_spec["name"]),
                                                   position=int(section_spec.get("position", index)))
            criteria += [_criterion_from(c, matrix=matrix, section=section, position=i)
                         for i, c in enumerate(section_spec.get("criteria", ()))]
        criteria += [_criterion_from(c, matrix=matrix, section=None, position=i)
                     for i, c in enumerate(data.get("unsectioned_criteria", ()))]
    except (KeyError, TypeError, ValueError, InvalidOperation) as exc:
        raise ValidationError(_("The matrix file is not a matrix export: %(error)s") % {"error": exc}) from exc
    for criterion in criteria:
        criterion.full_clean(exclude=["matrix", "section"])
    Criterion.objects.bulk_create(criteria)
    return matrix
