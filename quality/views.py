"""The audit pages: the list (an analyst's team audits and what they may audit; an agent's "My evaluations"),
starting an audit of a call or a conversation, and the audit page (transcript and audio beside the matrix) with
its moves: save, send, acknowledge, dispute, resolve. Thin: selectors, forms and services only."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import User
from calls.models import Call, CallRecording
from conversations.models import Conversation
from core.errors import ApplicationError
from core.params import parse_id
from quality.forms import AcknowledgeForm, AuditStartForm, DisputeForm, ResolveForm, answers_from_post
from quality.models import Audit, AuditScore, Criterion, EvaluationMatrix
from quality.selectors import (
    AuditFilters,
    audit_agents,
    audit_call_get,
    audit_can_edit,
    audit_can_resolve,
    audit_can_respond,
    audit_conversation_get,
    audit_get_visible,
    audit_status_counts,
    auditable_calls,
    auditable_conversations,
    audits_of_subject,
    published_matrices,
    user_may_audit,
    user_may_audit_agent,
)
from quality.selectors import audit_list as audits_filtered
from quality.services import audits as services
from quality.services.matrices import matrix_for_subject
from quality.services.transcripts import TranscriptLine, subject_lines

PAGE_SIZE = 25
START_LIST_SIZE = 8

_CHOICES: dict[str, list[str]] = {
    Criterion.AnswerType.YES_NO: ["yes", "no"],
    Criterion.AnswerType.YES_NO_PARTIAL: ["yes", "partial", "no"],
    Criterion.AnswerType.SCALE: ["1", "2", "3", "4", "5"],
}
_LABELS = dict(AuditScore.Answer.choices)


# --- the list ----------------------------------------------------------------------------------------------
@login_required
def audit_list(request: HttpRequest) -> HttpResponse:
    """An analyst's (supervisor's, admin's) audits of their teams with what they may audit next; an agent's
    own sent audits, those waiting for their answer first ("My evaluations", also their profile's audits)."""
    user: User = request.user  # type: ignore[assignment]
    analyst = user_may_audit(user)
    filters = AuditFilters(status=request.GET.get("status", ""), agent=parse_id(request.GET.get("agent")),
                           matrix=parse_id(request.GET.get("matrix")))
    qs = audits_filtered(user=user, filters=filters)
    context: dict[str, Any] = {"analyst": analyst, "filters": filters, "agents": None}
    if analyst or user.is_backoffice or user.is_admin_role:
        counts = audit_status_counts(user)
        context.update({
            "agents": audit_agents(user), "matrices": EvaluationMatrix.objects.order_by("name", "-version"),
            "statuses": [(value, label, counts.get(value, 0)) for value, label in Audit.Status.choices],
        })
    if analyst:
        context["calls"] = list(auditable_calls(user).select_related(None).select_related(
            "agent", "contact")[:START_LIST_SIZE])
        context["conversations"] = list(auditable_conversations(user)[:START_LIST_SIZE])
    else:
        pending = [a for a in audits_filtered(user=user, filters=AuditFilters(status=Audit.Status.SUBMITTED))
                   if a.agent_id == user.pk]
        context["pending"] = pending
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    context["page"] = page
    context["query"] = "&".join(f"{k}={v}" for k, v in (("status", filters.status), ("agent", filters.agent or ""),
                                                         ("matrix", filters.matrix or "")) if v)
    return render(request, "quality/audit_list.html", context)


# --- starting an audit -------------------------------------------------------------------------------------
def _start(request: HttpRequest, *, call: Call | None = None, conversation: Conversation | None = None) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    agent = call.agent if call is not None else conversation.assignee  # type: ignore[union-attr]
    if not user_may_audit(user):
        raise Http404
    channel = EvaluationMatrix.Channel.CALL if call is not None else EvaluationMatrix.Channel.CHAT
    matrices = published_matrices(channel=channel)
    campaign = call.script.campaign if call is not None and call.script_id and call.script else ""
    default = matrix_for_subject(channel=channel, campaign=campaign, team=agent.team if agent else None)
    data = None
    if request.method == "POST":
        data = request.POST.copy()
        if not data.get("matrix") and default is not None:  # "Start audit" from the list: the default matrix
            data["matrix"] = str(default.pk)
    form = AuditStartForm(data, matrices=matrices, initial_matrix=default)
    error = ""
    if not user_may_audit_agent(user, agent):
        error = (_("You cannot audit yourself.") if agent is not None and agent.pk == user.pk else
                 _("Nobody handled this call or conversation: there is no agent to audit.") if agent is None else
                 _("Only a supervisor of the agent's team or an administrator may audit them."))
    elif request.method == "POST" and form.is_valid():
        try:
            audit = services.audit_start(analyst=user, call=call, conversation=conversation,
                                matrix=form.cleaned_data["matrix"])
        except ApplicationError as exc:
            error = exc.message
        else:
            return redirect("quality:audit_detail", pk=audit.pk)
    elif request.method == "POST":
        error = _("Choose a published evaluation matrix.")
    context = {
        "call": call, "conversation": conversation, "agent": agent, "form": form, "error": error,
        "has_matrices": matrices.exists(), "lines": subject_lines(call=call, conversation=conversation)[:6],
        "previous": audits_of_subject(user, call=call, conversation=conversation)[:10],
    }
    return render(request, "quality/audit_start.html", context, status=400 if error and request.method == "POST"
                  else 200)


@login_required
@require_http_methods(["GET", "POST"])
def audit_call(request: HttpRequest, call_id: int) -> HttpResponse:
    """GET: the choice of matrix for auditing a call; POST: start the audit and open it."""
    return _start(request, call=audit_call_get(request.user, call_id))  # type: ignore[arg-type]


@login_required
@require_http_methods(["GET", "POST"])
def audit_conversation(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """GET: the choice of matrix for auditing a conversation; POST: start the audit and open it."""
    return _start(request, conversation=audit_conversation_get(request.user, conversation_id))  # type: ignore[arg-type]


# --- the audit page ----------------------------------------------------------------------------------------
@dataclass
class Row:
    """One criterion's line on the matrix: the answer, the AI's proposal and the transcript line it quotes."""

    score: AuditScore
    choices: list[tuple[str, str]]
    ai_line: int | None
    line: int | None
    differs: bool


@dataclass
class Section:
    name: str
    rows: list[Row] = field(default_factory=list)


def _line_of(lines: list[TranscriptLine], text: str, at: float | None) -> int | None:
    """The index of the transcript line a quoted ``text`` (said at ``at`` seconds) comes from."""
    needle = " ".join((text or "").split()).casefold()
    if needle:
        for line in lines:
            hay = " ".join(line.text.split()).casefold()
            if needle in hay or hay in needle:
                return line.index
    if at is not None:
        timed = [line for line in lines if line.start is not None]
        for line in timed:
            if line.start <= at and (line.end is None or at <= line.end):  # type: ignore[operator]
                return line.index
    return None


def _sections(audit: Audit, lines: list[TranscriptLine]) -> list[Section]:
    sections: list[Section] = []
    for score in audit.scores.all():
        criterion = score.criterion
        name = criterion.section.name if criterion.section_id else _("General")
        if not sections or sections[-1].name != name:
            sections.append(Section(name=name))
        values = list(_CHOICES.get(criterion.answer_type, []))
        if criterion.allow_na:
            values.append("na")
        sections[-1].rows.append(Row(
            score=score, choices=[(v, _LABELS.get(v, v)) for v in values],
            ai_line=_line_of(lines, score.ai_evidence, score.ai_evidence_at) if score.ai_answer else None,
            line=_line_of(lines, score.evidence, score.evidence_at) if score.evidence else None,
            differs=bool(score.ai_answer and score.answer and score.ai_answer != score.answer),
        ))
    return sections


def _audio_url(call: Call | None) -> str:
    if call is None:
        return ""
    recording = (CallRecording.objects.filter(call=call, state=CallRecording.State.STORED).exclude(file="")
                 .order_by("created_at", "pk").first())
    if recording is None:
        return ""
    try:
        return reverse("calls:recording-audio", kwargs={"pk": recording.pk})
    except NoReverseMatch:
        return ""


def _detail(request: HttpRequest, audit: Audit, status: int = 200, **extra: Any) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    lines = subject_lines(call=audit.call, conversation=audit.conversation)
    can_edit = audit_can_edit(user, audit)
    can_resolve = audit_can_resolve(user, audit)
    context = {
        "audit": audit, "lines": lines, "sections": _sections(audit, lines), "audio_url": _audio_url(audit.call),
        "can_edit": can_edit, "can_resolve": can_resolve, "can_respond": audit_can_respond(user, audit),
        "editable": can_edit or can_resolve, "is_agent_view": user.pk == audit.agent_id,
        "ack_form": AcknowledgeForm(), "dispute_form": DisputeForm(), "resolve_form": ResolveForm(),
        "form_action": (reverse("quality:audit_detail", args=[audit.pk]) if can_edit else
                        reverse("quality:audit_resolve", args=[audit.pk]) if can_resolve else ""),
        **extra,
    }
    return render(request, "quality/audit_detail.html", context, status=status)


def _refresh(request: HttpRequest, pk: int) -> Audit:
    return audit_get_visible(request.user, pk)  # type: ignore[arg-type]


@login_required
@require_http_methods(["GET", "POST"])
def audit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the audit page; POST (the analyst, a draft): save the answers and the feedback, rescored."""
    audit = _refresh(request, pk)
    if request.method == "POST":
        try:
            services.audit_save(audit, by=request.user, answers=answers_from_post(audit.scores.all(), request.POST),  # type: ignore[arg-type]
                       feedback=request.POST.get("feedback"))
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return _detail(request, _refresh(request, pk), status=400)
        messages.success(request, _("Audit saved."))
        return redirect("quality:audit_detail", pk=pk)
    return _detail(request, audit)


@login_required
@require_POST
def audit_submit(request: HttpRequest, pk: int) -> HttpResponse:
    """Send the audit to the agent (the answers on the page are saved first)."""
    audit = _refresh(request, pk)
    try:
        if audit.status == Audit.Status.DRAFT and ("feedback" in request.POST or any(
                key.startswith("answer-") for key in request.POST)):
            services.audit_save(audit, by=request.user, answers=answers_from_post(audit.scores.all(), request.POST),  # type: ignore[arg-type]
                       feedback=request.POST.get("feedback"))
        services.audit_submit(audit, by=request.user)  # type: ignore[arg-type]
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return _detail(request, _refresh(request, pk), status=400)
    messages.success(request, _("Audit sent to the agent."))
    return redirect("quality:audit_detail", pk=pk)


@login_required
@require_POST
def audit_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    """The agent acknowledges the sent audit, with an optional comment."""
    audit = _refresh(request, pk)
    form = AcknowledgeForm(request.POST)
    try:
        services.audit_acknowledge(audit, by=request.user, comment=form.data.get("comment", ""))  # type: ignore[arg-type]
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return _detail(request, _refresh(request, pk), status=400, ack_form=form)
    messages.success(request, _("Audit acknowledged."))
    return redirect("quality:audit_detail", pk=pk)


@login_required
@require_POST
def audit_dispute(request: HttpRequest, pk: int) -> HttpResponse:
    """The agent disputes the sent audit, saying why."""
    audit = _refresh(request, pk)
    form = DisputeForm(request.POST)
    try:
        services.audit_dispute(audit, by=request.user, reason=form.data.get("reason", ""))  # type: ignore[arg-type]
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return _detail(request, _refresh(request, pk), status=400, dispute_form=form)
    messages.success(request, _("Dispute sent to your supervisor."))
    return redirect("quality:audit_detail", pk=pk)


@login_required
@require_POST
def audit_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    """A supervisor resolves a dispute: upheld, or amended with the answers changed on the page."""
    audit = _refresh(request, pk)
    resolution = request.POST.get("resolution", "")
    answers = (answers_from_post(audit.scores.all(), request.POST)
               if resolution == Audit.Resolution.AMENDED else ())
    try:
        services.audit_resolve(audit, by=request.user, resolution=resolution, note=request.POST.get("note", ""),  # type: ignore[arg-type]
                answers=answers)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return _detail(request, _refresh(request, pk), status=400, resolve_form=ResolveForm(request.POST))
    messages.success(request, _("Dispute resolved."))
    return redirect("quality:audit_detail", pk=pk)
