"""Thin tasks for Twilio Voice callbacks: ids in, a service call, retries only for passing failures."""

from __future__ import annotations

from celery import shared_task

from calls.services.handover import voice_events_sweep
from calls.services.inbound import CallNotFoundYetError, voice_event_process, voice_event_record_failure
from conversations.tasks import backoff
from integrations.errors import AmbiguousError, TransientError

VOICE_EVENT_MAX_RETRIES = 8


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=VOICE_EVENT_MAX_RETRIES,
             soft_time_limit=240, time_limit=300)
def process_voice_event(self, event_id: int) -> str:  # type: ignore[no-untyped-def]
    """Apply one stored voice callback (status or recording, with the recording's download); idempotent.

    A callback for a call not committed yet and a download that failed for a passing reason are tried again
    with backoff; in the embedded mode (eager) the event is left failed for ``replay_voice_events``.
    """
    try:
        return voice_event_process(event_id=event_id)
    except (TransientError, AmbiguousError, CallNotFoundYetError) as exc:
        voice_event_record_failure(event_id=event_id, error=f"{type(exc).__name__}: {exc}")
        if self.request.is_eager or self.request.retries >= VOICE_EVENT_MAX_RETRIES:
            return "failed"
        retry_after = getattr(exc, "retry_after", None)
        raise self.retry(countdown=retry_after or backoff(self.request.retries), exc=exc) from exc
    except Exception as exc:
        voice_event_record_failure(event_id=event_id, error=f"{type(exc).__name__}: {exc}")
        raise


@shared_task(acks_late=True, soft_time_limit=50, time_limit=60)
def sweep_stranded_voice_events() -> dict[str, int | bool | None]:
    """Beat, every 15 s: hand over again the voice callbacks left ``received`` (a broker restart lost their task)."""
    return voice_events_sweep().as_dict()
