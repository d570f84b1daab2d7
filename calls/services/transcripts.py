"""A call's transcript: queued once its recording is stored, made by an OpenAI-compatible audio endpoint.

Without a transcription provider the call stays "transcript pending" (with the reason) and nothing fails;
a provider that times out or is down leaves it pending too, and the task tries again later with backoff.
"""

from __future__ import annotations

import logging
import mimetypes
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from ai.transcription import transcribe_call_audio, transcription_provider_reason
from calls.models import Call, CallRecording
from calls.services.live import call_publish

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TranscribeOutcome:
    state: str  # "done" | "pending" | "retry" | "failed" | "skipped"
    reason: str = ""
    retry_after: float | None = None


def call_transcription_queue(call: Call) -> None:
    """Mark ``call``'s transcript pending and, once the current transaction commits, enqueue its transcription."""
    from calls.tasks_ai import call_transcribe_task

    Call.objects.filter(pk=call.pk).update(transcript_state=Call.TranscriptState.PENDING, transcript_error="")
    call.transcript_state = Call.TranscriptState.PENDING
    call.transcript_error = ""
    call_publish(call)
    transaction.on_commit(lambda call_id=call.pk: call_transcribe_task.delay(call_id))


def call_recording_for_transcript(call: Call) -> CallRecording | None:
    """The call's latest stored recording with a file, if any."""
    return (call.recordings.filter(state=CallRecording.State.STORED).exclude(file="")
            .order_by("-created_at", "-pk").first())


def channel_speakers(call: Call) -> tuple[str, str]:
    """Who is on each channel of a dual-channel recording. Twilio records the call's first leg on the first
    channel: the customer who rang in, or the agent whose phone our click-to-call rang first."""
    if call.direction == Call.Direction.OUTBOUND:
        return ("agent", "customer")
    return ("customer", "agent")


def call_transcription_left_pending(*, call_id: int, reason: str) -> None:
    """Leave the call pending with ``reason`` (a call transcribed meanwhile is left alone)."""
    _set_pending(call_id, reason)


def _set_pending(call_id: int, reason: str) -> None:
    (Call.objects.filter(pk=call_id).exclude(transcript_state=Call.TranscriptState.DONE)
     .update(transcript_state=Call.TranscriptState.PENDING, transcript_error=reason[:255], updated_at=timezone.now()))


def call_transcribe(*, call_id: int, final_attempt: bool = True) -> TranscribeOutcome:
    """Transcribe ``call_id``'s stored recording and keep the text with its timed (speaker) segments.

    Idempotent: a transcribed call is left alone. Reading the recording from storage and the request to the
    audio endpoint happen outside any transaction; ``retry`` is returned (the call stays pending) when the
    provider timed out or is down and the caller can try again (``final_attempt`` false), else ``pending``.
    """
    call = Call.objects.filter(pk=call_id).first()
    if call is None or call.transcript_state == Call.TranscriptState.DONE:
        return TranscribeOutcome("skipped")
    recording = call_recording_for_transcript(call)
    if recording is None:
        _set_pending(call_id, "no stored recording yet")
        return TranscribeOutcome("pending", "no stored recording yet")
    try:
        with recording.file.open("rb") as handle:
            audio = handle.read()
    except OSError as exc:
        _set_pending(call_id, f"recording unreadable: {type(exc).__name__}")
        return TranscribeOutcome("retry" if not final_attempt else "pending", "recording unreadable")
    filename = recording.file.name.rsplit("/", 1)[-1] or "call.wav"
    mime_type = recording.content_type or mimetypes.guess_type(filename)[0] or "audio/wav"

    result = transcribe_call_audio(
        audio, filename=filename, mime_type=mime_type, channels=recording.channels,
        channel_speakers=channel_speakers(call), mono_speaker="customer" if call.is_voicemail else "",
        audio_seconds=recording.duration or call.duration or None, subject=f"call:{call_id}",
    )

    if result.state not in ("done", "failed"):
        # Not configured, timed out or the provider is down: stays pending.
        _set_pending(call_id, result.reason)
        if result.state == "retry" and not final_attempt:
            return TranscribeOutcome("retry", result.reason, result.retry_after)
        return TranscribeOutcome("pending", result.reason)
    with transaction.atomic():
        call = Call.objects.select_for_update(of=("self",)).select_related("agent").get(pk=call_id)
        if call.transcript_state == Call.TranscriptState.DONE:
            return TranscribeOutcome("skipped")
        if result.state == "failed":
            call.transcript_state = Call.TranscriptState.FAILED
            call.transcript_error = result.reason[:255]
            call.save(update_fields=["transcript_state", "transcript_error", "updated_at"])
            call_publish(call)
            logger.warning("call %s: transcription failed: %s", call_id, result.reason)
            return TranscribeOutcome("failed", result.reason)
        call.transcript = result.text
        call.transcript_segments = [segment.as_dict() for segment in result.segments]
        call.transcript_state = Call.TranscriptState.DONE
        call.transcript_error = ""
        call.transcribed_at = timezone.now()
        call.save(update_fields=["transcript", "transcript_segments", "transcript_state", "transcript_error",
                                 "transcribed_at", "updated_at"])
        call_publish(call)
    return TranscribeOutcome("done")


#: Pending calls are picked up again by the sweep only this long after their last change (a task may be on it).
PENDING_SWEEP_AFTER = timedelta(minutes=10)
#: ... and for this long after it ended: a recording no provider could read in that time needs a person.
PENDING_SWEEP_WITHIN = timedelta(days=3)


def calls_transcription_retry_pending(*, limit: int = 20) -> int:
    """Queue again the transcription of calls left pending (no provider then, a provider that timed out in the
    embedded mode, retries spent) that have a stored recording; how many were queued. Nothing when there is
    still no provider: they stay pending with their reason."""
    if transcription_provider_reason():
        return 0
    now = timezone.now()
    stored = CallRecording.objects.filter(call=OuterRef("pk"), state=CallRecording.State.STORED)
    ids = list(
        Call.objects.filter(Exists(stored), transcript_state=Call.TranscriptState.PENDING,
                            updated_at__lt=now - PENDING_SWEEP_AFTER, started_at__gte=now - PENDING_SWEEP_WITHIN)
        .order_by("updated_at").values_list("pk", flat=True)[:limit]
    )
    for call in Call.objects.filter(pk__in=ids):
        call_transcription_queue(call)
    return len(ids)
