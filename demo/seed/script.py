"""The little language the demo's stories are written in: people, when a story starts, and its steps.

A story is plain data. ``demo.seed.chat`` plays it through the product's services (the inbound path,
the AI step, sends, quotes, sales), then dates every row back to when the story says it happened.
Times are in the project's time zone (``TIME_ZONE``, America/Lima by default) and relative to today.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.utils import timezone


@dataclass(frozen=True)
class Person:
    """A customer. ``phone`` for WhatsApp (E.164); ``instagram`` is the username of an Instagram customer."""

    name: str
    phone: str = ""
    instagram: str = ""
    city: str = "Lima"
    zone: str = ""
    email: str = ""
    wholesale: bool = False

    @property
    def instagram_id(self) -> str:
        """A stable Instagram-scoped id for the demo (digits, like the real ones)."""
        if not self.instagram:
            return ""
        return "1784" + str(sum(ord(c) * 31**i for i, c in enumerate(self.instagram)) % 10**12).zfill(12)


@dataclass(frozen=True)
class When:
    """A story starts ``days_ago`` days ago at ``hour:minute`` (local), or ``minutes_ago`` minutes ago."""

    days_ago: int = 0
    hour: int = 10
    minute: int = 0
    minutes_ago: int | None = None

    def resolve(self, now: datetime) -> datetime:
        if self.minutes_ago is not None:
            return now - timedelta(minutes=self.minutes_ago)
        local = timezone.localtime(now) - timedelta(days=self.days_ago)
        return local.replace(hour=self.hour, minute=self.minute, second=0, microsecond=0)


def day(days_ago: int, hour: int = 10, minute: int = 0) -> When:
    return When(days_ago=days_ago, hour=hour, minute=minute)


def ago(*, hours: float = 0, minutes: int = 0) -> When:
    return When(minutes_ago=int(hours * 60) + minutes)


@dataclass(frozen=True)
class Purchase:
    """A purchase made before the story (in the shop or an earlier chat): a validated sale ``days_ago``."""

    days_ago: int
    sku: str
    quantity: int = 1
    agent: str = "agente1"
    payment: str = "cash"


@dataclass(frozen=True)
class Step:
    kind: str
    args: tuple = ()
    gap: timedelta | None = None  # time since the previous step; None: the kind's usual pace
    options: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Story:
    key: str
    person: Person
    when: When
    steps: tuple[Step, ...] = ()
    channel: str = "whatsapp"
    history: tuple[Purchase, ...] = ()


def _gap(minutes: float | None) -> timedelta | None:
    return None if minutes is None else timedelta(minutes=minutes)


# The steps. ``after`` is the minutes since the previous step (each kind has a usual pace).
def says(text: str, *, after: float | None = None) -> Step:
    """The customer writes; the message goes through the inbound path and the AI step."""
    return Step("customer", (text,), _gap(after))


def sends_photo(caption: str, *, drawing: str, after: float | None = None) -> Step:
    """The customer sends a photo (a small generated picture of ``drawing``) with a caption."""
    return Step("customer_photo", (caption, drawing), _gap(after))


def takes(username: str, *, after: float | None = None) -> Step:
    """An agent takes the conversation from the queue."""
    return Step("take", (username,), _gap(after))


def assigned_to(username: str, *, after: float | None = None) -> Step:
    """The supervisor assigns the conversation."""
    return Step("assign", (username,), _gap(after))


def transfers_to(username: str, note: str, *, after: float | None = None) -> Step:
    return Step("transfer", (username, note), _gap(after))


def agent_says(text: str, *, after: float | None = None) -> Step:
    """The assigned agent writes to the customer."""
    return Step("agent", (text,), _gap(after))


def agent_sends_photo(caption: str, *, drawing: str, after: float | None = None) -> Step:
    return Step("agent_photo", (caption, drawing), _gap(after))


def note(text: str, *, by: str = "", after: float | None = None) -> Step:
    """An internal note (``@username`` mentions a colleague); by the assignee unless ``by`` says."""
    return Step("note", (text, by), _gap(after))


def quotes(*skus: str, valid_days: int = 7, sale_type: str = "", after: float | None = None) -> Step:
    """The agent quotes the products and sends the PDF in the chat. ``SKU*n`` for n units; ``A|B``: the
    first of A, B in stock."""
    return Step("quote", skus, _gap(after), {"valid_days": valid_days, "sale_type": sale_type})


def quote_declined(reason: str, *, after: float | None = None) -> Step:
    """The agent records that the customer turned the story's quote down."""
    return Step("decline", (reason,), _gap(after))


def validated(*, after: float | None = None) -> Step:
    """The back office validates the story's sale; the receipt goes to the chat."""
    return Step("validate", (), _gap(after))


def lead_moves(status: str, reason: str = "", *, after: float | None = None) -> Step:
    return Step("lead", (status, reason), _gap(after))


def tagged(*names: str) -> Step:
    return Step("tags", names, timedelta(seconds=20))


def resolved(*, after: float | None = None) -> Step:
    return Step("status", ("resolved",), _gap(after))


def snoozed(*, hours: int, after: float | None = None) -> Step:
    """Snoozed until ``hours`` after now (the real now: a snooze is in the future)."""
    return Step("status", ("snoozed",), _gap(after), {"hours": hours})


def pending(*, after: float | None = None) -> Step:
    return Step("status", ("pending",), _gap(after))


def read(*, after: float | None = None) -> Step:
    """The agent opened the chat: no unread messages."""
    return Step("read", (), _gap(after if after is not None else 1))


def follows_up_today(text: str, *, hour: int = 17) -> Step:
    """The agent schedules a follow-up for today at ``hour`` (local), or in two hours when that has passed."""
    return Step("followup", (text,), timedelta(minutes=1), {"hour": hour})
