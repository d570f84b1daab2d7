"""The AI's pre-scoring of an audit: a proposed answer, a quoted line and a confidence for every criterion.

The proposals come from ``ai.quality`` (local rules from the criteria's evidence and failure words, or the
configured OpenAI-compatible model, falling back to the rules on any failure) and read the same numbered lines
the audit page shows (``quality.services.transcripts.subject_lines``), so a quoted line is one the analyst
can see and play. Where the analyst has not answered yet, the AI's answer, evidence and second are pre-filled:
the analyst confirms or changes them, and the agreement between both is kept on the audit.

The model is asked synchronously with the provider's timeout (``AI_TIMEOUT_SECONDS``): call this outside a
database transaction. It never raises for a provider failure.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from ai.quality.prescore import prescore
from ai.quality.types import CriterionSpec, Line, Proposal
from quality.models import Audit, AuditScore, Criterion
from quality.services.scoring import answer_valid, audit_recompute
from quality.services.transcripts import TranscriptLine, subject_lines

AI_FIELDS = ["ai_answer", "ai_evidence", "ai_evidence_at", "ai_confidence", "ai_reason"]
PREFILLED_FIELDS = ["answer", "evidence", "evidence_at"]


def prescoring_reasons() -> dict[str, str]:
    """The local rules' reasons in the active language (same keys and placeholders as ``ai.quality.local``)."""
    return {
        "found": gettext("Said: “%(phrase)s”."),
        "found_typo": gettext("Said, with a slip: “%(phrase)s”."),
        "negative": gettext("Failure words said: “%(phrase)s”."),
        "mixed": gettext("Said “%(phrase)s”, but also the failure words “%(negative)s”."),
        "nothing": gettext("None of the evidence words was said."),
        "nothing_na": gettext("None of the evidence words was said: it may not have applied."),
        "no_failure": gettext("None of the failure words was said."),
        "no_words": gettext("No evidence words to look for: answer it yourself."),
        "no_lines": gettext("The transcript is empty."),
        "speakers_unknown": gettext("Speakers unknown: the whole transcript was read."),
        "quote_dropped": gettext("The quoted line is not in the transcript: quote dropped."),
        "model_invalid": gettext("The model gave no valid answer; by the local rules: %(reason)s"),
    }


def criterion_spec(criterion: Criterion) -> CriterionSpec:
    return CriterionSpec(
        id=str(criterion.pk), text=criterion.text, guidance=criterion.guidance, answer_type=criterion.answer_type,
        allow_na=criterion.allow_na, is_critical=criterion.is_critical, keywords=tuple(criterion.keyword_list),
        negative_keywords=tuple(criterion.negative_keyword_list), speaker=criterion.speaker,
    )


def transcript_line(line: TranscriptLine) -> Line:
    return Line(index=line.index, speaker=line.speaker, text=line.text, start=line.start, when=line.when)


def audit_lines(audit: Audit) -> list[TranscriptLine]:
    if audit.call_id:
        return subject_lines(call=audit.call)
    return subject_lines(conversation=audit.conversation)


def _apply(row: AuditScore, proposal: Proposal | None) -> bool:
    """Write the proposal on the row; pre-fill the analyst's answer if blank. True when the answer was filled."""
    usable = proposal is not None and bool(proposal.answer) and answer_valid(row.criterion, proposal.answer)
    if proposal is None or not usable:
        row.ai_answer, row.ai_evidence, row.ai_evidence_at = "", "", None
        row.ai_confidence = proposal.confidence if proposal is not None else None
        row.ai_reason = (proposal.reason if proposal is not None else "")[:255]
        return False
    row.ai_answer = proposal.answer
    row.ai_evidence = proposal.evidence
    row.ai_evidence_at = proposal.evidence_start
    row.ai_confidence = proposal.confidence
    row.ai_reason = proposal.reason[:255]
    if row.answer:
        return False
    row.answer = proposal.answer
    if not row.evidence.strip():
        row.evidence = proposal.evidence
        row.evidence_at = proposal.evidence_start
    return True


def audit_prescore(audit: Audit) -> Audit:
    """Fill every answer row's AI proposal, pre-fill the blank answers with it, set who proposed and when, and
    recompute the audit's score and agreement. Rows the analyst answered keep the analyst's answer."""
    rows = list(audit.scores.select_related("criterion"))
    lines = audit_lines(audit)
    result = prescore([criterion_spec(row.criterion) for row in rows], [transcript_line(line) for line in lines],
                      subject=f"audit:{audit.pk}", reasons=prescoring_reasons())
    by_criterion = {proposal.criterion_id: proposal for proposal in result.proposals}
    with transaction.atomic():
        # The analyst may have answered while the model was thinking: read the rows again, locked.
        rows = list(AuditScore.objects.select_for_update(of=("self",)).select_related("criterion")
                    .filter(audit=audit))
        now = timezone.now()
        for row in rows:
            _apply(row, by_criterion.get(str(row.criterion_id)))
            row.updated_at = now
        if rows:
            AuditScore.objects.bulk_update(rows, [*AI_FIELDS, *PREFILLED_FIELDS, "updated_at"])
        audit.ai_provider = result.provider[:80]
        audit.ai_scored_at = now
        audit.save(update_fields=["ai_provider", "ai_scored_at", "updated_at"])
        audit_recompute(audit)
    return audit
