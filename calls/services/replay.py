"""Replaying stored Twilio Voice callbacks (``replay_voice_events`` and the admin's action)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from calls.models import VoiceWebhookEvent
from calls.services.inbound import voice_event_process, voice_event_record_failure

REPLAYABLE = (VoiceWebhookEvent.State.RECEIVED, VoiceWebhookEvent.State.FAILED)


def voice_events_replay(
    event_ids: Iterable[int], on_each: Callable[[str], None] | None = None
) -> dict[str, int]:
    """Process events again, in this process, one by one; processed and ignored ones are left as they are.

    Returns counts by resulting state (``processed``, ``failed``, ``ignored``…), plus ``error`` for events whose
    processing raised (recorded on the event, the replay goes on with the rest).
    """
    counts: dict[str, int] = {}
    for event_id in event_ids:
        try:
            state = voice_event_process(event_id=event_id)
        except Exception as exc:  # noqa: BLE001 - one bad event must not stop the replay of the rest
            voice_event_record_failure(event_id=event_id, error=f"{type(exc).__name__}: {exc}")
            state = "error"
        counts[state] = counts.get(state, 0) + 1
        if on_each:
            on_each(state)
    return counts
