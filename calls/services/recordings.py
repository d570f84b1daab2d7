"""Recordings kept: a completed recording callback becomes a ``CallRecording``, downloaded from Twilio with its
credentials into the default storage (local disk embedded, S3/MinIO distributed), size and type checked.

Once stored, the call's transcription is queued (``calls.services.transcripts``) and the panel hears of it. A
download that fails for a passing reason is retried by the task; one that fails for good (too big, not audio,
deleted at Twilio) leaves the recording and its raw event failed with the reason: replaying the event tries again.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from calls.models import Call, CallRecording, VoiceWebhookEvent
from calls.services.live import call_publish
from calls.services.transcripts import call_transcription_queue
from integrations.errors import PermanentError, TransientError
from integrations.twilio import voice

logger = logging.getLogger(__name__)

EXTENSIONS = {"audio/mpeg": "mp3", "audio/mp3": "mp3", "audio/x-wav": "wav", "audio/wav": "wav",
              "audio/wave": "wav", "audio/ogg": "ogg", "audio/webm": "webm", "audio/mp4": "m4a"}


def voice_client() -> voice.TwilioVoiceClient:
    """The Twilio Voice client of the configured account; ``PermanentError`` when voice is not configured."""
    if not settings.TWILIO_ACCOUNT_SID or not settings.TWILIO_AUTH_TOKEN:
        raise PermanentError("Twilio credentials are not configured (TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN)",
                             code="voice_not_configured")
    return voice.TwilioVoiceClient(
        settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN, base_url=settings.TWILIO_API_BASE_URL,
        timeout=settings.PROVIDER_TIMEOUT_SECONDS, max_recording_bytes=settings.VOICE_MAX_RECORDING_BYTES,
    )


def recording_event_process(*, event_id: int, update: voice.RecordingUpdate) -> tuple[str, str]:
    """A recording callback: the recording row (once per RecordingSid), then its download. (state, note)."""
    from calls.services.inbound import CallNotFoundYetError

    if update.status != "completed":
        return VoiceWebhookEvent.State.IGNORED, f"recording {update.status}: nothing to download"
    with transaction.atomic():
        call = Call.objects.select_for_update().filter(call_sid=update.call_sid).first()
        if call is None:
            raise CallNotFoundYetError(f"no call with sid {update.call_sid} (yet)")
        recording, created = CallRecording.objects.get_or_create(
            recording_sid=update.recording_sid,
            defaults={"call": call, "source_url": update.url, "duration": update.duration or 0,
                      "channels": update.channels},
        )
        if created:
            call_publish(call)
        if recording.state == CallRecording.State.STORED:
            return VoiceWebhookEvent.State.PROCESSED, ""
    recording = call_recording_download(recording_id=recording.pk)
    if recording.state == CallRecording.State.FAILED:
        return VoiceWebhookEvent.State.FAILED, recording.last_error
    return VoiceWebhookEvent.State.PROCESSED, ""


def _extension(content_type: str) -> str:
    return EXTENSIONS.get(content_type, "bin")


def _failed(recording_id: int, error: str, *, final: bool) -> CallRecording:
    with transaction.atomic():
        recording = (CallRecording.objects.select_for_update(of=("self",))
                     .select_related("call", "call__agent").get(pk=recording_id))
        if recording.state == CallRecording.State.STORED:
            return recording
        recording.attempts += 1
        recording.last_error = error[:255]
        fields = ["attempts", "last_error", "updated_at"]
        if final:
            recording.state = CallRecording.State.FAILED
            fields.append("state")
        recording.save(update_fields=fields)
        if final:
            call_publish(recording.call)
    return recording


def call_recording_download(*, recording_id: int) -> CallRecording:
    """Download one recording into storage (idempotent: a stored one is left alone).

    ``TransientError`` propagates (after noting the attempt) for the task to retry; a permanent failure returns
    the recording marked failed with the reason. No transaction is held open during the download or the write
    to storage.
    """
    recording = CallRecording.objects.get(pk=recording_id)
    if recording.state == CallRecording.State.STORED:
        return recording
    try:
        with voice_client() as client:
            content, content_type = client.download_recording(recording.source_url)
    except TransientError as exc:
        _failed(recording_id, f"{type(exc).__name__}: {exc}", final=False)
        raise
    except PermanentError as exc:
        logger.warning("recording %s not kept: %s", recording.recording_sid, exc.code or type(exc).__name__)
        return _failed(recording_id, str(exc), final=True)
    field = recording.file.field
    name = field.generate_filename(recording, f"audio.{_extension(content_type)}")
    stored_name = recording.file.storage.save(name, ContentFile(content))
    with transaction.atomic():
        recording = CallRecording.objects.select_for_update().get(pk=recording_id)
        if recording.state == CallRecording.State.STORED:  # another worker got there first
            recording.file.storage.delete(stored_name)
            return recording
        recording.file.name = stored_name
        recording.content_type = content_type
        recording.size = len(content)
        recording.state = CallRecording.State.STORED
        recording.stored_at = timezone.now()
        recording.attempts += 1
        recording.last_error = ""
        recording.save(update_fields=["file", "content_type", "size", "state", "stored_at", "attempts",
                                      "last_error", "updated_at"])
        call = Call.objects.select_for_update(of=("self",)).select_related("agent").get(pk=recording.call_id)
        call_transcription_queue(call)  # marks the transcript pending and tells the panel (call_publish)
    return recording
