"""An audit's life: started on a call or a conversation, answered, sent to the agent, acknowledged or disputed,
and a dispute resolved.

::

    draft ──submit──> submitted ──acknowledge──> acknowledged
      ▲ save            │
                        └──dispute──> disputed ──resolve (upheld | amended)──> resolved

- The analyst (a supervisor of the agent's team, or an admin; never the agent) starts the audit, answers and
  comments the criteria and writes feedback while it is a draft; every save rescores it
  (``quality.services.scoring.audit_recompute``). It is sent once every criterion has an answer ("not
  applicable" where the criterion allows it).
- Once sent nobody changes the answers, except a supervisor of the agent's team (or an admin) resolving a
  dispute as *amended*.
- Only the audited agent acknowledges (with an optional comment) or disputes (with a reason) a sent audit.

Each move is written to the audit log (``accounts.audit``): the start as a creation, each later move as a change
of ``status``. No domain event is emitted: no other app reacts to an audit (the dashboard reads the rows).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.models import AuditKind, User
from calls.models import Call
from conversations.models import Conversation
from core.errors import ApplicationError, PermissionDeniedError
from quality.models import Audit, AuditScore, Criterion, EvaluationMatrix
from quality.selectors import (
    audit_can_edit,
    audit_can_resolve,
    audit_can_respond,
    user_may_audit,
    user_may_audit_agent,
)
from quality.services.matrices import matrix_for_subject
from quality.services.prescoring import audit_prescore
from quality.services.scoring import answer_valid, audit_recompute

MAX_TEXT = 4000


class AuditError(ApplicationError):
    """The input of an audit move is wrong (a blank answer on send, an answer a criterion does not take)."""

    code = "audit_invalid"


class AuditStateError(ApplicationError):
    """The move does not apply to the audit's status (sending a sent audit, disputing a draft)."""

    code = "audit_state"
    status_code = 409


class AuditPermissionError(PermissionDeniedError):
    code = "audit_forbidden"


@dataclass(frozen=True)
class AnswerInput:
    """The analyst's answer to one criterion: ``answer`` is "yes", "partial", "no", "na", "1".."5" or "" (blank,
    a draft only), with a comment and the transcript line it rests on (and where it is said, in seconds)."""

    criterion_id: int
    answer: str
    comment: str = ""
    evidence: str = ""
    evidence_at: float | None = None


def _log(audit: Audit, *, by: User, before: str, data: dict | None = None) -> None:
    audit_record(actor=by, action=AuditKind.UPDATE, obj=audit, changes={"status": (before, audit.status)},
                 data={"audit_id": audit.pk, **(data or {})})


def _locked(audit: Audit) -> Audit:
    """The audit again, locked for this transaction, with its agent (the permission checks read it)."""
    return Audit.objects.select_for_update().select_related("agent", "matrix").get(pk=audit.pk)


def _subject(call: Call | None, conversation: Conversation | None) -> tuple[str, User | None, str]:
    if (call is None) == (conversation is None):
        raise AuditError(_("An audit is of one call or of one conversation."))
    if call is not None:
        campaign = call.script.campaign if call.script_id and call.script else ""
        return EvaluationMatrix.Channel.CALL, call.agent, campaign
    return EvaluationMatrix.Channel.CHAT, conversation.assignee, ""  # type: ignore[union-attr]


def audit_start(*, analyst: User, call: Call | None = None, conversation: Conversation | None = None,
                matrix: EvaluationMatrix | None = None, prescore: bool = True) -> Audit:
    """A draft audit of ``call`` or ``conversation`` against ``matrix`` (default: the published matrix for the
    subject's channel, campaign and team), one blank answer per criterion, then the AI's proposals.

    The agent is the call's agent or the conversation's assignee. If this analyst already has a draft of the same
    subject with the same matrix, that draft is returned (a second click does not make a second audit).
    """
    channel, agent, campaign = _subject(call, conversation)
    if agent is None:
        raise AuditError(_("Nobody handled this call or conversation: there is no agent to audit."))
    if agent.pk == analyst.pk:
        raise AuditPermissionError(_("You cannot audit yourself."))
    if not user_may_audit_agent(analyst, agent):
        raise AuditPermissionError(_("Only a supervisor of the agent's team or an administrator may audit them."))
    if matrix is None:
        matrix = matrix_for_subject(channel=channel, campaign=campaign, team=agent.team)
        if matrix is None:
            raise AuditError(_("There is no published evaluation matrix for this channel yet."))
    if matrix.status != EvaluationMatrix.Status.PUBLISHED:
        raise AuditError(_("Only a published matrix may be used for an audit."))
    if matrix.channel not in (channel, EvaluationMatrix.Channel.ANY):
        raise AuditError(_("This matrix is not for this channel."))

    with transaction.atomic():
        existing = Audit.objects.filter(call=call, conversation=conversation, matrix=matrix, analyst=analyst,
                                        status=Audit.Status.DRAFT).order_by("-pk").first()
        if existing is not None:
            return existing
        audit = Audit.objects.create(matrix=matrix, call=call, conversation=conversation, agent=agent,
                                     team_id=agent.team_id, analyst=analyst)
        criteria = list(matrix.criteria.order_by("section__position", "position", "pk").values_list("pk", flat=True))
        if not criteria:
            raise AuditError(_("This matrix has no criteria."))
        AuditScore.objects.bulk_create([AuditScore(audit=audit, criterion_id=pk) for pk in criteria])
        audit_record(actor=analyst, action=AuditKind.CREATE, obj=audit,
                     data={"audit_id": audit.pk, "matrix_id": matrix.pk, "agent_id": agent.pk,
                           "call_id": call.pk if call else None,
                           "conversation_id": conversation.pk if conversation else None})
    # The AI may call a provider over the network: outside the transaction (it never raises for its failures).
    if prescore:
        audit = audit_prescore(audit)
    return audit_recompute(audit)


def _apply_answers(audit: Audit, answers: Sequence[AnswerInput]) -> None:
    rows = {row.criterion_id: row for row in audit.scores.select_related("criterion")}
    changed: list[AuditScore] = []
    errors: list[str] = []
    for given in answers:
        row = rows.get(given.criterion_id)
        if row is None:
            raise AuditError(_("This criterion is not part of the audit's matrix."))
        answer = (given.answer or "").strip()
        if answer and not answer_valid(row.criterion, answer):
            errors.append(_("“%(answer)s” is not an answer to “%(criterion)s”.")
                          % {"answer": answer, "criterion": row.criterion.text})
            continue
        row.answer = answer
        row.comment = (given.comment or "")[:MAX_TEXT]
        row.evidence = (given.evidence or "")[:MAX_TEXT]
        row.evidence_at = given.evidence_at
        changed.append(row)
    if errors:
        raise AuditError(" ".join(errors))
    AuditScore.objects.bulk_update(changed, ["answer", "comment", "evidence", "evidence_at", "updated_at"])


def _blank_criteria(audit: Audit) -> list[Criterion]:
    return [row.criterion for row in audit.scores.select_related("criterion") if not row.answer]


def _require_complete(audit: Audit) -> None:
    blank = _blank_criteria(audit)
    if blank:
        raise AuditError(_("Answer every criterion before sending (“not applicable” where it is allowed): %(names)s.")
                         % {"names": "; ".join(c.text for c in blank)}, extra={"blank": [c.pk for c in blank]})


def audit_save(audit: Audit, *, by: User, answers: Sequence[AnswerInput], feedback: str | None = None) -> Audit:
    """Save the analyst's answers (and the feedback to the agent) on a draft, and rescore it."""
    with transaction.atomic():
        audit = _locked(audit)
        if audit.status != Audit.Status.DRAFT:
            raise AuditStateError(_("Only a draft audit can be changed; a sent one only by resolving a dispute."))
        if not audit_can_edit(by, audit):
            raise AuditPermissionError(_("Only a supervisor of the agent's team or an administrator may audit them."))
        _apply_answers(audit, answers)
        if feedback is not None:
            audit.feedback = feedback[:MAX_TEXT]
            audit.save(update_fields=["feedback", "updated_at"])
        return audit_recompute(audit)


def audit_submit(audit: Audit, *, by: User) -> Audit:
    """Send a draft to the agent: every criterion must have an answer."""
    with transaction.atomic():
        audit = _locked(audit)
        if audit.status != Audit.Status.DRAFT:
            raise AuditStateError(_("This audit was already sent."))
        if not audit_can_edit(by, audit):
            raise AuditPermissionError(_("Only a supervisor of the agent's team or an administrator may audit them."))
        _require_complete(audit)
        audit = audit_recompute(audit)
        audit.status = Audit.Status.SUBMITTED
        audit.submitted_at = timezone.now()
        audit.save(update_fields=["status", "submitted_at", "updated_at"])
        _log(audit, by=by, before=Audit.Status.DRAFT, data={"score": str(audit.score)})
        return audit


def _respond_check(audit: Audit, by: User) -> None:
    if by.pk != audit.agent_id:
        raise AuditPermissionError(_("Only the audited agent may acknowledge or dispute this audit."))
    if audit.status != Audit.Status.SUBMITTED:
        raise AuditStateError(_("This audit is not waiting for your answer."))
    if not audit_can_respond(by, audit):  # the same rule, kept in one place for the pages
        raise AuditPermissionError(_("Only the audited agent may acknowledge or dispute this audit."))


def audit_acknowledge(audit: Audit, *, by: User, comment: str = "") -> Audit:
    """The agent has read the sent audit (and may say something about it)."""
    with transaction.atomic():
        audit = _locked(audit)
        _respond_check(audit, by)
        audit.status = Audit.Status.ACKNOWLEDGED
        audit.acknowledged_at = timezone.now()
        audit.agent_comment = (comment or "").strip()[:MAX_TEXT]
        audit.save(update_fields=["status", "acknowledged_at", "agent_comment", "updated_at"])
        _log(audit, by=by, before=Audit.Status.SUBMITTED)
        return audit


def audit_dispute(audit: Audit, *, by: User, reason: str) -> Audit:
    """The agent disagrees with the sent audit and says why; a supervisor of their team resolves it."""
    reason = (reason or "").strip()
    with transaction.atomic():
        audit = _locked(audit)
        _respond_check(audit, by)
        if not reason:
            raise AuditError(_("Say why you dispute the audit."))
        audit.status = Audit.Status.DISPUTED
        audit.disputed_at = timezone.now()
        audit.dispute_reason = reason[:MAX_TEXT]
        audit.save(update_fields=["status", "disputed_at", "dispute_reason", "updated_at"])
        _log(audit, by=by, before=Audit.Status.SUBMITTED)
        return audit


def audit_resolve(audit: Audit, *, by: User, resolution: str, note: str,
                  answers: Sequence[AnswerInput] = ()) -> Audit:
    """Resolve a dispute: *upheld* keeps the audit as sent; *amended* changes answers (``answers``) and rescores."""
    note = (note or "").strip()
    with transaction.atomic():
        audit = _locked(audit)
        if audit.status != Audit.Status.DISPUTED:
            raise AuditStateError(_("Only a disputed audit can be resolved."))
        if by.pk == audit.agent_id or not user_may_audit(by) or not audit_can_resolve(by, audit):
            raise AuditPermissionError(
                _("Only a supervisor of the agent's team or an administrator may resolve this dispute."))
        if resolution not in Audit.Resolution.values:
            raise AuditError(_("Choose whether the audit is upheld or amended."))
        if not note:
            raise AuditError(_("Write a note for the agent about the resolution."))
        before_score = audit.score
        if resolution == Audit.Resolution.AMENDED:
            _apply_answers(audit, answers)
            _require_complete(audit)
            audit = audit_recompute(audit)
        elif answers:
            raise AuditError(_("Upholding an audit keeps its answers; choose “amended” to change them."))
        audit.status = Audit.Status.RESOLVED
        audit.resolution = resolution
        audit.resolution_note = note[:MAX_TEXT]
        audit.resolved_by = by
        audit.resolved_at = timezone.now()
        audit.save(update_fields=["status", "resolution", "resolution_note", "resolved_by", "resolved_at",
                                  "updated_at"])
        _log(audit, by=by, before=Audit.Status.DISPUTED,
             data={"resolution": resolution, "score_before": str(before_score), "score": str(audit.score)})
        return audit
