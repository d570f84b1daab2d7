"""A call's stored recording transcribed through a local fake OpenAI-compatible audio endpoint (issue 14, item 5):
timed segments kept, speaker turns from a dual-channel recording or from the server's labels, every request
logged as an AIRequest; no provider, a provider that times out or one that is down leave the call "pending"
(never an exception), a refusal for good leaves it "failed"."""

from __future__ import annotations

import json
import threading
import time
from datetime import timedelta

import pytest
from django.utils import timezone
from werkzeug import Response

from ai.models import AIRequest
from calls.models import Call
from calls.services.transcripts import call_transcribe, call_transcription_queue
from calls.tasks_ai import call_transcribe_task
from tests.calls.transcript_fakes import (
    TRANSCRIPTIONS,
    by_channel,
    call_with_recording,
    stereo_wav,
    verbose_json,
)
from tests.conftest import celery_eager

pytestmark = pytest.mark.django_db


@pytest.fixture
def audio_server(settings, httpserver):  # type: ignore[no-untyped-def]
    """A self-hosted Whisper-style server: the local AI provider still transcribes through it."""
    settings.AI_PROVIDER = "local"
    settings.OPENAI_BASE_URL = httpserver.url_for("/v1")
    settings.OPENAI_API_KEY = ""
    settings.OPENAI_TRANSCRIBE_MODEL = "whisper-1"
    settings.AI_TIMEOUT_SECONDS = 2.0
    return httpserver


def queue_and_run(call: Call, capture) -> None:  # type: ignore[no-untyped-def]
    """What the voice webhooks do once a recording is stored, with the tasks run as the worker would."""
    with celery_eager(True), capture(execute=True):
        call_transcription_queue(call)


def test_stored_recording_is_transcribed_with_its_timed_segments(audio_server, django_capture_on_commit_callbacks):
    audio_server.expect_oneshot_request(TRANSCRIPTIONS, method="POST").respond_with_json(verbose_json([
        (0.0, 4.2, "Hola, te llamo de Conecta Perú."),
        (4.2, 9.8, "Sí, dígame, ¿cuánto cuesta el plan?"),
    ]))
    call = call_with_recording()
    queue_and_run(call, django_capture_on_commit_callbacks)
    audio_server.check_assertions()

    call.refresh_from_db()
    assert call.transcript_state == Call.TranscriptState.DONE
    assert call.transcript == "Hola, te llamo de Conecta Perú. Sí, dígame, ¿cuánto cuesta el plan?"
    assert call.transcript_segments == [
        {"speaker": "", "start": 0.0, "end": 4.2, "text": "Hola, te llamo de Conecta Perú."},
        {"speaker": "", "start": 4.2, "end": 9.8, "text": "Sí, dígame, ¿cuánto cuesta el plan?"},
    ]
    assert call.transcribed_at is not None and call.transcript_error == ""
    request, _ = audio_server.log[-1]
    assert request.form["model"] == "whisper-1"
    assert request.form["language"] == "es"
    assert request.form["response_format"] == "verbose_json"
    assert request.files["file"].read() == call.recordings.get().file.open("rb").read()
    assert request.files["file"].mimetype == "audio/mpeg"
    logged = AIRequest.objects.get(purpose=AIRequest.Purpose.TRANSCRIPTION)
    assert (logged.provider, logged.model, logged.outcome, logged.subject) == ("openai", "whisper-1", "ok",
                                                                                f"call:{call.pk}")
    # The analysis ran after it (the call's reading; its details are tests/calls/test_call_analysis.py's).
    assert call.analyzed_at is not None and call.ai_outcome


def test_dual_channel_recording_is_transcribed_side_by_side_into_speaker_turns(audio_server):
    """Click to call: Twilio's first channel is the agent's leg (rung first), the second the customer's."""
    agent_side = verbose_json([(0.0, 3.0, "Buenas tardes, le llamo de Conecta Perú."),
                               (6.0, 8.0, "Son 89 soles al mes.")])
    customer_side = verbose_json([(3.5, 5.5, "¿Cuánto cuesta el plan de 200 megas?")])
    audio_server.expect_request(TRANSCRIPTIONS, method="POST").respond_with_handler(
        by_channel(silent=agent_side, loud=customer_side))
    call = call_with_recording(audio=stereo_wav(left_silent=True), content_type="audio/wav", channels=2,
                               direction=Call.Direction.OUTBOUND)

    assert call_transcribe(call_id=call.pk).state == "done"

    call.refresh_from_db()
    assert [(s["speaker"], s["text"]) for s in call.transcript_segments] == [
        ("agent", "Buenas tardes, le llamo de Conecta Perú."),
        ("customer", "¿Cuánto cuesta el plan de 200 megas?"),
        ("agent", "Son 89 soles al mes."),
    ]
    assert call.transcript.splitlines() == ["Buenas tardes, le llamo de Conecta Perú.",
                                            "¿Cuánto cuesta el plan de 200 megas?", "Son 89 soles al mes."]
    assert len(audio_server.log) == 2  # one request per side, each a mono WAV
    assert all(r.files["file"].mimetype == "audio/wav" for r, _ in audio_server.log)
    assert AIRequest.objects.filter(purpose=AIRequest.Purpose.TRANSCRIPTION, outcome="ok").count() == 2


def test_inbound_dual_channel_recording_has_the_customer_on_the_first_channel(audio_server):
    audio_server.expect_request(TRANSCRIPTIONS, method="POST").respond_with_handler(
        by_channel(silent=verbose_json([(0.0, 2.0, "Quiero información.")]),
                   loud=verbose_json([(2.0, 4.0, "Con gusto.")])))
    call = call_with_recording(audio=stereo_wav(left_silent=True), content_type="audio/wav", channels=2,
                               direction=Call.Direction.INBOUND)
    call_transcribe(call_id=call.pk)
    call.refresh_from_db()
    assert [s["speaker"] for s in call.transcript_segments] == ["customer", "agent"]


def test_speaker_labels_given_by_a_diarizing_server_are_kept(audio_server, settings):
    settings.OPENAI_TRANSCRIBE_MODEL = "gpt-4o-transcribe-diarize"
    audio_server.expect_oneshot_request(TRANSCRIPTIONS, method="POST").respond_with_json({
        "text": "Aló. Hola, le llamo de Conecta Perú.", "duration": 5.0,
        "segments": [{"type": "transcript.text.segment", "id": "s0", "start": 0.0, "end": 1.0, "text": "Aló.",
                      "speaker": "A"},
                     {"type": "transcript.text.segment", "id": "s1", "start": 1.0, "end": 5.0,
                      "text": "Hola, le llamo de Conecta Perú.", "speaker": "B"}],
    })
    call = call_with_recording()
    call_transcribe(call_id=call.pk)
    request, _ = audio_server.log[-1]
    assert request.form["response_format"] == "diarized_json"
    call.refresh_from_db()
    assert [(s["speaker"], s["text"]) for s in call.transcript_segments] == [
        ("A", "Aló."), ("B", "Hola, le llamo de Conecta Perú.")]


def test_provider_that_times_out_leaves_the_call_pending_and_raises_nothing(audio_server, settings,
                                                                            django_capture_on_commit_callbacks):
    settings.AI_TIMEOUT_SECONDS = 0.3
    answered = threading.Semaphore(0)

    def slow(request):  # type: ignore[no-untyped-def]
        time.sleep(1.0)
        answered.release()
        return Response(json.dumps(verbose_json([(0.0, 1.0, "tarde")])), content_type="application/json")

    audio_server.expect_request(TRANSCRIPTIONS, method="POST").respond_with_handler(slow)
    call = call_with_recording()
    started = time.monotonic()
    queue_and_run(call, django_capture_on_commit_callbacks)  # the task, eager: no exception escapes
    assert time.monotonic() - started < 1.0

    call.refresh_from_db()
    assert call.transcript_state == Call.TranscriptState.PENDING
    assert "no answer within 0.3s" in call.transcript_error
    assert call.transcript == "" and call.analyzed_at is None
    assert AIRequest.objects.get(purpose=AIRequest.Purpose.TRANSCRIPTION).outcome == "timeout"
    # A worker (not eager) is told to try again later while tries are left; the call stays pending meanwhile.
    assert call_transcribe(call_id=call.pk, final_attempt=False).state == "retry"
    assert Call.objects.get(pk=call.pk).transcript_state == Call.TranscriptState.PENDING
    # Let both slow answers finish so they do not reach the next test's server.
    assert answered.acquire(timeout=3) and answered.acquire(timeout=3)
    time.sleep(0.05)


def test_worker_retries_while_the_provider_is_down_with_backoff_then_gives_up_pending(audio_server):
    from celery.exceptions import Retry

    audio_server.expect_request(TRANSCRIPTIONS, method="POST").respond_with_json({"error": {"message": "busy"}},
                                                                                 status=503)
    call = call_with_recording()

    def as_worker(retries: int) -> str:
        call_transcribe_task.push_request(id=f"try-{retries}", retries=retries, is_eager=False, called_directly=False,
                                          args=[call.pk])
        try:
            return call_transcribe_task.run(call.pk)
        finally:
            call_transcribe_task.pop_request()

    with celery_eager(False):
        with pytest.raises(Retry) as retried:  # a worker's first try: sent again later (to the broker)
            as_worker(0)
        assert 2.0 <= retried.value.when <= 4.0  # backoff: 4**1 with jitter, at least half of it
        assert Call.objects.get(pk=call.pk).transcript_state == Call.TranscriptState.PENDING
        assert as_worker(call_transcribe_task.max_retries) == "pending"  # the last try gives up, still pending
    assert Call.objects.get(pk=call.pk).transcript_state == Call.TranscriptState.PENDING
    assert "HTTP 503" in Call.objects.get(pk=call.pk).transcript_error


def test_without_a_provider_the_call_stays_pending_with_the_reason(settings, httpserver,
                                                                  django_capture_on_commit_callbacks):
    settings.AI_PROVIDER = "local"
    settings.OPENAI_BASE_URL = "https://api.openai.com/v1"
    settings.OPENAI_API_KEY = ""
    call = call_with_recording()
    queue_and_run(call, django_capture_on_commit_callbacks)
    call.refresh_from_db()
    assert call.transcript_state == Call.TranscriptState.PENDING
    assert call.transcript_error == "no transcription provider configured"
    assert not AIRequest.objects.exists()
    assert httpserver.log == []


def test_provider_refusing_the_audio_for_good_marks_the_transcription_failed(audio_server):
    audio_server.expect_request(TRANSCRIPTIONS, method="POST").respond_with_json(
        {"error": {"message": "Invalid file format."}}, status=400)
    call = call_with_recording()
    outcome = call_transcribe(call_id=call.pk)
    call.refresh_from_db()
    assert outcome.state == "failed"
    assert call.transcript_state == Call.TranscriptState.FAILED
    assert "HTTP 400" in call.transcript_error


def test_call_without_a_stored_recording_stays_pending(audio_server):
    call = Call.objects.create(direction=Call.Direction.INBOUND, status=Call.Status.COMPLETED)
    assert call_transcribe(call_id=call.pk).state == "pending"
    call.refresh_from_db()
    assert (call.transcript_state, call.transcript_error) == ("pending", "no stored recording yet")
    assert audio_server.log == []


def test_transcribed_call_is_not_sent_again(audio_server):
    audio_server.expect_request(TRANSCRIPTIONS, method="POST").respond_with_json(
        verbose_json([(0.0, 1.0, "Hola.")]))
    call = call_with_recording()
    assert call_transcribe(call_id=call.pk).state == "done"
    assert call_transcribe(call_id=call.pk).state == "skipped"
    assert len(audio_server.log) == 1


def test_calls_left_pending_are_queued_again_once_a_provider_answers(audio_server, settings,
                                                                     django_capture_on_commit_callbacks):
    from calls.services.transcripts import calls_transcription_retry_pending

    audio_server.expect_request(TRANSCRIPTIONS, method="POST").respond_with_json(verbose_json([(0.0, 1.0, "Hola.")]))
    left = call_with_recording(sid="RE" + "1" * 32, transcript_state=Call.TranscriptState.PENDING)
    fresh = call_with_recording(sid="RE" + "2" * 32, transcript_state=Call.TranscriptState.PENDING)
    old = call_with_recording(sid="RE" + "3" * 32, transcript_state=Call.TranscriptState.PENDING)
    now = timezone.now()
    Call.objects.filter(pk=left.pk).update(updated_at=now - timedelta(minutes=30))
    Call.objects.filter(pk=old.pk).update(updated_at=now - timedelta(days=5),
                                          started_at=now - timedelta(days=5))

    settings.OPENAI_BASE_URL = "https://api.openai.com/v1"  # no provider yet: nothing is queued
    assert calls_transcription_retry_pending() == 0
    settings.OPENAI_BASE_URL = audio_server.url_for("/v1")
    with celery_eager(True), django_capture_on_commit_callbacks(execute=True):
        assert calls_transcription_retry_pending() == 1  # not the one a task may still be on, nor the old one
    states = dict(Call.objects.values_list("pk", "transcript_state"))
    assert (states[left.pk], states[fresh.pk], states[old.pk]) == ("done", "pending", "pending")
