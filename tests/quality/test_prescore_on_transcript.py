"""An audit started before its call was transcribed (an uploaded recording is audited at once) gets the AI's
proposals when the transcript arrives: the quality app hears ``call.transcribed`` (core.events)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from calls.models import Call
from calls.services.analysis import call_analyze
from core import events
from quality.models import Audit
from quality.services.audits import AnswerInput, audit_save, audit_start, audit_submit
from quality.subscribers import audits_prescore_on_transcript
from tests.calls.backoffice_data import make_call
from tests.quality.factories import criterion, make_matrix
from tests.quality.test_prescoring import SEGMENTS

pytestmark = pytest.mark.django_db


def test_the_quality_app_subscribes_to_call_transcribed():
    assert audits_prescore_on_transcript in [s.handler for s in events.subscribers("call.transcribed")]


def transcribe(call: Call) -> None:
    Call.objects.filter(pk=call.pk).update(
        transcript=" ".join(s["text"] for s in SEGMENTS), transcript_segments=SEGMENTS,
        transcript_state=Call.TranscriptState.DONE, transcribed_at=timezone.now())


def test_a_draft_started_before_the_transcript_is_prescored_when_it_arrives(
        agent, supervisor, django_capture_on_commit_callbacks):
    matrix = make_matrix(channel="call")
    call = make_call(agent=agent, transcript_state=Call.TranscriptState.PENDING)
    audit = audit_start(analyst=supervisor, call=call, matrix=matrix)
    assert not audit.scores.exclude(ai_answer="").exists()  # nothing to read yet

    greeting = criterion(matrix, "Saluda y se presenta")
    audit_save(audit, by=supervisor, answers=[AnswerInput(criterion_id=greeting.pk, answer="no",
                                                          comment="No dio su nombre")])
    transcribe(call)
    with django_capture_on_commit_callbacks(execute=True):
        assert call_analyze(call_id=call.pk) == "analyzed"

    audit.refresh_from_db()
    assert audit.ai_scored_at is not None and audit.ai_provider.startswith("local")
    proposals = {s.criterion_id: s for s in audit.scores.all()}
    assert proposals[greeting.pk].ai_answer == "yes"  # the AI read the greeting...
    assert proposals[greeting.pk].answer == "no"  # ...the analyst's own answer stays
    assert proposals[greeting.pk].comment == "No dio su nombre"
    answered_by_ai = [s for s in proposals.values() if s.criterion_id != greeting.pk and s.ai_answer]
    assert answered_by_ai and all(s.answer == s.ai_answer for s in answered_by_ai)
    assert any(s.ai_evidence in {seg["text"] for seg in SEGMENTS} for s in answered_by_ai)


def test_a_sent_audit_is_left_as_the_analyst_sent_it(agent, supervisor, django_capture_on_commit_callbacks):
    matrix = make_matrix(channel="call")
    call = make_call(agent=agent, transcript_state=Call.TranscriptState.PENDING)
    audit = audit_start(analyst=supervisor, call=call, matrix=matrix)
    answers = [AnswerInput(criterion_id=row.criterion_id,
                           answer="5" if row.criterion.answer_type == "scale_1_5" else "yes")
               for row in audit.scores.select_related("criterion")]
    audit_save(audit, by=supervisor, answers=answers)
    audit_submit(audit, by=supervisor)
    scored_at = Audit.objects.get(pk=audit.pk).ai_scored_at  # the start read an empty transcript
    transcribe(call)
    with django_capture_on_commit_callbacks(execute=True):
        call_analyze(call_id=call.pk)
    audit.refresh_from_db()
    assert audit.status == Audit.Status.SUBMITTED and audit.ai_scored_at == scored_at
    assert not audit.scores.exclude(ai_answer="").exists()
