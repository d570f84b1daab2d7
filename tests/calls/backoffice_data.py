"""Calls as the voice and click parts store them, for the back-office tests (API, admin, reports, matrix)."""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import count
from typing import Any

from django.utils import timezone

from calls.models import Call, CallRecording

_sids = count(1)


def make_call(*, agent=None, contact=None, direction: str = Call.Direction.INBOUND,  # type: ignore[no-untyped-def]
              status: str = Call.Status.COMPLETED, duration: int = 95, started_at: datetime | None = None,
              **fields: Any) -> Call:
    n = next(_sids)
    started = started_at or timezone.now() - timedelta(minutes=n)
    customer, ours = f"+5199900{n:04d}", "+5116400000"
    inbound = direction == Call.Direction.INBOUND
    values: dict[str, Any] = {
        "agent": agent, "contact": contact, "direction": direction, "status": status, "duration": duration,
        "call_sid": f"CA{n:032x}", "from_number": customer if inbound else ours,
        "to_number": ours if inbound else customer, "started_at": started,
        "answered_at": started + timedelta(seconds=5) if status == Call.Status.COMPLETED else None,
        "ended_at": started + timedelta(seconds=duration + 5),
    }
    values.update(fields)
    return Call.objects.create(**values)


def add_recording(call: Call, *, stored: bool = True, duration: int = 90) -> CallRecording:
    n = next(_sids)
    return CallRecording.objects.create(
        call=call, recording_sid=f"RE{n:032x}", source_url=f"https://api.twilio.com/rec/RE{n:032x}",
        state=CallRecording.State.STORED if stored else CallRecording.State.PENDING, duration=duration,
        content_type="audio/mpeg" if stored else "", size=1024 if stored else 0,
        stored_at=timezone.now() if stored else None,
    )
