"""Handing stored Twilio Voice callbacks (``VoiceWebhookEvent``) to the workers, and handing again those that
never got there: the voice callbacks' use of ``core/handover.py`` (how and why is told there).

Status and recording callbacks are handed to ``calls.tasks.process_voice_event`` on the ``inbound`` queue;
when the broker refuses, the webhook answers 503 and Twilio (or the sweep) hands the event over later. An
inbound call is answered by its own request (the caller hears the TwiML whatever the broker does): its event
counts as handed over when stored, so the sweep takes it only if that request died before processing it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from calls.models import VoiceWebhookEvent
from core.handover import EventHandOver, SweepResult

VOICE_EVENTS = EventHandOver(model=VoiceWebhookEvent, task="calls.tasks.process_voice_event", queue="inbound")


def voice_events_sweep(
    *, stale_after: timedelta | None = None, batch_size: int = 500, max_batches: int = 10,
    now: datetime | None = None,
) -> SweepResult:
    """Hand over again the voice events left ``received`` whose hand-over is stale or never happened."""
    return VOICE_EVENTS.sweep(stale_after=stale_after, batch_size=batch_size, max_batches=max_batches, now=now)
