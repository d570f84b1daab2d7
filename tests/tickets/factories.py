"""Builders for ticket tests: chats to link tickets to, categories, agents with an availability."""

from __future__ import annotations

import itertools

from django.utils import timezone

from accounts.models import Availability, Role, Team, User
from conversations.models import ChannelAccount, Conversation, Message
from tests.leads.factories import ContactFactory
from tickets.models import TicketCategory

_numbers = itertools.count(1)


def make_agent(username: str, team: Team | None, *, availability: str = Availability.AVAILABLE,
               role: str = Role.AGENT) -> User:
    from conftest import make_user

    user = make_user(username, role, team)
    if availability != user.availability:
        user.availability = availability
        user.save(update_fields=["availability"])
    return user


def make_account() -> ChannelAccount:
    n = next(_numbers)
    return ChannelAccount.objects.create(provider="meta_whatsapp", name=f"WhatsApp T{n}", account_ref=f"97700{n:05d}",
                                         access_token="meta-access-token", ai_mode=ChannelAccount.AIMode.OFF)


def make_conversation(*, assignee: User | None = None, name: str = "Rosa Quispe") -> Conversation:
    now = timezone.now()
    return Conversation.objects.create(contact=ContactFactory(name=name), channel_account=make_account(),
                                       assignee=assignee, last_inbound_at=now, last_message_at=now,
                                       last_message_preview="El router no funciona desde ayer")


def customer_message(conversation: Conversation, text: str = "¿Alguna novedad?") -> Message:
    return Message.objects.create(conversation=conversation, channel_account=conversation.channel_account,
                                  direction=Message.Direction.IN, sender=Message.Sender.CUSTOMER,
                                  status=Message.Status.RECEIVED, text=text)


def make_category(name: str = "Facturación", *, team: Team | None = None, agents: list[User] | None = None,
                  default_priority: str = "medium") -> TicketCategory:
    category = TicketCategory.objects.create(name=name, team=team, default_priority=default_priority)
    if agents:
        category.agents.set(agents)
    return category
