"""Reads of calls, scoped by the one role policy (accounts.policy, CONTRACT section 6).

Agents see the calls they took or made; supervisors their teams' calls and the calls nobody holds (the
voicemails and missed calls they hand out); admins and back office everything. A call the user may not see
is a 404.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from accounts.policy import Queue, scope_queryset
from calls.models import Call, CallRecording

# Calls nobody holds (a voicemail left out of hours, a missed call) are the supervisors' queue.
CALL_QUEUE = Queue.SUPERVISORS

CALL_RELATED = ("agent", "agent__team", "contact", "lead", "conversation", "script")


def calls_visible(user: User) -> QuerySet[Call]:
    """Every call ``user`` may see, with the rows a call's line shows joined in."""
    return scope_queryset(
        Call.objects.select_related(*CALL_RELATED), user=user, agent_field="agent", queue=CALL_QUEUE,
    )


def call_get_visible(user: User, pk: int) -> Call:
    """The call ``pk`` if ``user`` may see it (with its recordings), else 404."""
    try:
        return calls_visible(user).prefetch_related(_recordings_prefetch()).get(pk=pk)
    except (Call.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def calls_for_contact(user: User, contact_id: int) -> QuerySet[Call]:
    """The calls with one contact that ``user`` may see, newest first (the 360° sidebar's timeline)."""
    return calls_visible(user).filter(contact_id=contact_id).order_by("-started_at", "-pk")


def recordings_visible(user: User) -> QuerySet[CallRecording]:
    """The recordings of the calls ``user`` may see (playback checks this)."""
    return CallRecording.objects.select_related("call").filter(call__in=calls_visible(user).values("pk"))


def _recordings_prefetch() -> Prefetch:
    return Prefetch("recordings", queryset=CallRecording.objects.order_by("created_at", "pk"))


@dataclass(frozen=True)
class CallFilters:
    contact: int | None = None
    lead: int | None = None
    agent: int | None = None
    conversation: int | None = None
    direction: str = ""
    status: str = ""
    outcome: str = ""
    date_from: date | None = None
    date_to: date | None = None


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def call_list(*, user: User, filters: CallFilters | None = None) -> QuerySet[Call]:
    """The calls ``user`` may see, filtered, newest first, recordings prefetched (constant query count)."""
    filters = filters or CallFilters()
    qs = calls_visible(user).prefetch_related(_recordings_prefetch())
    if filters.contact:
        qs = qs.filter(contact_id=filters.contact)
    if filters.lead:
        qs = qs.filter(lead_id=filters.lead)
    if filters.agent:
        qs = qs.filter(agent_id=filters.agent)
    if filters.conversation:
        qs = qs.filter(conversation_id=filters.conversation)
    if filters.direction:
        qs = qs.filter(direction=filters.direction)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.outcome:
        qs = qs.filter(outcome=filters.outcome)
    if filters.date_from:
        qs = qs.filter(started_at__gte=_day_start(filters.date_from))
    if filters.date_to:
        qs = qs.filter(started_at__lt=_day_start(filters.date_to + timedelta(days=1)))
    return qs.order_by("-started_at", "-pk")
