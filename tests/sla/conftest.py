"""Calendars, conversations and customers' messages for the service-level tests.

The week used: Monday 7 to Sunday 13 December 2026 in Lima (UTC-5, no daylight saving); Tuesday 8 is a
holiday in Peru. The company default opens Monday to Friday 09:00-18:00.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine

from accounts.models import Team
from conversations.models import ChannelAccount, Conversation, Message
from sla.models import BusinessHours, ServiceHours
from tests.leads.factories import ContactFactory

LIMA = ZoneInfo("America/Lima")
WEEKDAYS = range(5)


def lima(day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A moment of December 2026 in Lima (7 = Monday)."""
    return datetime(2026, 12, day, hour, minute, tzinfo=LIMA)


def hours_for(row: ServiceHours, days: Any, *spans: tuple[time, time]) -> None:
    for weekday in days:
        for opens, closes in spans:
            BusinessHours.objects.create(service_hours=row, weekday=weekday, opens=opens, closes=closes)


@pytest.fixture
def company_hours(db) -> ServiceHours:  # type: ignore[no-untyped-def]
    row = ServiceHours.objects.create(
        team=None, timezone="America/Lima",
        away_text="Hola {nombre}, estamos fuera de horario. Te respondemos {apertura}.",
    )
    hours_for(row, WEEKDAYS, (time(9), time(18)))
    return row


@pytest.fixture
def channel_account(team: Team) -> ChannelAccount:
    return ChannelAccount.objects.create(provider="twilio_whatsapp", name="WhatsApp Lima", account_ref="+14155238886",
                                         ai_mode=ChannelAccount.AIMode.OFF, team=team)


@pytest.fixture
def make_waiting(channel_account: ChannelAccount):  # type: ignore[no-untyped-def]
    """A conversation whose customer waits since ``since`` (their message then, nobody answered)."""

    def _make(since: datetime, *, name: str = "Rosa Quispe", priority: str = "normal", **fields: Any) -> Conversation:
        contact = ContactFactory(name=name)
        defaults: dict[str, Any] = {"last_message_at": since, "last_inbound_at": since, "waiting_since": since,
                                    "last_message_preview": "Hola, ¿me ayudan?", "priority": priority,
                                    "channel_account": channel_account}
        defaults.update(fields)
        return Conversation.objects.create(contact=contact, **defaults)

    return _make


def customer_message(conversation: Conversation, at: datetime, text: str = "Hola") -> Message:
    """A customer's message stored at ``at`` (the conversation's window counts from it)."""
    with time_machine.travel(at, tick=False):
        message = Message.objects.create(conversation=conversation, channel_account=conversation.channel_account,
                                         direction="in", sender="customer", status="received", text=text)
    Conversation.objects.filter(pk=conversation.pk).update(last_inbound_at=at, last_message_at=at)
    conversation.refresh_from_db()
    return message


def after(at: datetime, **delta: float) -> datetime:
    return at + timedelta(**delta)


# The signed webhook posts of the conversations' tests, for the out-of-office answer through the real path.
from tests.conversations.conftest import ai_off, post_twilio, provider_settings  # noqa: E402, F401
