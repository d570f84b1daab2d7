"""A ticket's SLA status, worked out from its clocks alone (no queries): ok, warning, breached, met or none.

The selectors annotate ``sla_warning_percent`` (the priority's policy); without it the default applies.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from django.utils import timezone

from tickets.models import Ticket

DEFAULT_WARNING_PERCENT = 80
# priority: (first response, resolution) in minutes, when no SlaPolicy row exists (the same as migration 0002).
DEFAULT_MINUTES: dict[str, tuple[int, int]] = {
    "critical": (30, 8 * 60),
    "high": (2 * 60, 24 * 60),
    "medium": (8 * 60, 3 * 24 * 60),
    "low": (24 * 60, 5 * 24 * 60),
}

SlaState = Literal["ok", "warning", "breached", "met", "none"]
SlaClock = Literal["first_response", "resolution", ""]
_SEVERITY = {"ok": 0, "warning": 1, "breached": 2}


@dataclass(frozen=True)
class SlaStatus:
    state: SlaState
    due_at: datetime | None = None
    remaining_seconds: int | None = None
    which: SlaClock = ""

    @property
    def is_late(self) -> bool:
        return self.state == "breached"


def clock_state(*, start: datetime, due: datetime, now: datetime, warning_percent: int) -> SlaState:
    """``breached`` past ``due``; ``warning`` once ``warning_percent`` of the allowed time has gone; else ``ok``."""
    if now > due:
        return "breached"
    allowed = (due - start).total_seconds()
    if allowed <= 0 or (now - start).total_seconds() >= allowed * warning_percent / 100:
        return "warning"
    return "ok"


def warning_at(*, start: datetime, due: datetime, warning_percent: int) -> datetime:
    return start + timedelta(seconds=(due - start).total_seconds() * warning_percent / 100)


def ticket_sla(ticket: Ticket, now: datetime | None = None, *, warning_percent: int | None = None) -> SlaStatus:
    """The clock that matters now: the pending one in the worst state (ties: the one due first).

    A resolved or closed ticket reports its resolution clock as ``met`` or ``breached``; a ticket without
    clocks reports ``none``.
    """
    now = now or timezone.now()
    if warning_percent is None:
        warning_percent = getattr(ticket, "sla_warning_percent", None) or DEFAULT_WARNING_PERCENT
    if not ticket.is_active:
        due = ticket.resolution_due_at
        if due is None:
            return SlaStatus("none")
        done_at = ticket.resolved_at or ticket.closed_at
        late = ticket.is_resolution_breached or (done_at is not None and done_at > due)
        return SlaStatus("breached" if late else "met", due, None, "resolution")
    clocks: list[tuple[SlaClock, datetime]] = []
    if ticket.first_responded_at is None and ticket.first_response_due_at is not None:
        clocks.append(("first_response", ticket.first_response_due_at))
    if ticket.resolution_due_at is not None:
        clocks.append(("resolution", ticket.resolution_due_at))
    if not clocks:
        return SlaStatus("none")
    start = ticket.created_at or now
    statuses = [
        SlaStatus(state, due, int((due - now).total_seconds()), which)
        for which, due in sorted(clocks, key=lambda clock: clock[1])
        for state in [clock_state(start=start, due=due, now=now, warning_percent=warning_percent)]
    ]
    return max(statuses, key=lambda status: _SEVERITY[status.state])  # ties: the first, due soonest
