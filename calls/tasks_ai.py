"""Thin tasks for a call's transcript and AI reading: ids in, a service call, retries with backoff."""

from __future__ import annotations

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded

from calls.services.transcripts import call_transcribe, call_transcription_left_pending
from conversations.tasks import backoff

TRANSCRIBE_MAX_RETRIES = 5


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=TRANSCRIBE_MAX_RETRIES,
             soft_time_limit=280, time_limit=300)
def call_transcribe_task(self, call_id: int) -> str:  # type: ignore[no-untyped-def]
    """Transcribe one call's recording, then read it (analysis). A provider that times out or is down leaves
    the call "pending" and this task tries again later, at most ``TRANSCRIBE_MAX_RETRIES`` times."""
    final = self.request.is_eager or self.request.retries >= TRANSCRIBE_MAX_RETRIES
    try:
        outcome = call_transcribe(call_id=call_id, final_attempt=final)
    except SoftTimeLimitExceeded:
        call_transcription_left_pending(call_id=call_id, reason="transcription took longer than the task may")
        if final:
            return "pending"
        raise self.retry(countdown=backoff(self.request.retries, base=4.0, cap=900)) from None
    if outcome.state == "retry":
        raise self.retry(countdown=outcome.retry_after or backoff(self.request.retries, base=4.0, cap=900))
    if outcome.state == "done":
        from calls.services.analysis import call_analysis_queue

        call_analysis_queue(call_id)
    return outcome.state


@shared_task(acks_late=True, reject_on_worker_lost=True, soft_time_limit=120, time_limit=150)
def call_analyze_task(call_id: int) -> str:
    """Read one call's transcript: sentiment, intents, keywords, outcome, next action, script adherence."""
    from calls.services.analysis import call_analyze

    return call_analyze(call_id=call_id)


@shared_task(acks_late=True, soft_time_limit=50, time_limit=55)
def calls_transcription_retry_pending_task() -> int:
    """Periodic: queue again the calls whose transcript was left pending (see the service)."""
    from calls.services.transcripts import calls_transcription_retry_pending

    return calls_transcription_retry_pending()
