"""Conversations and messages for the panel's tests, made directly (the webhook path has its own tests)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from conversations.models import ChannelAccount, Conversation, Message
from tests.leads.factories import ContactFactory, LeadFactory


@pytest.fixture
def channel_account(db) -> ChannelAccount:  # type: ignore[no-untyped-def]
    return ChannelAccount.objects.create(provider="twilio_whatsapp", name="WhatsApp Lima", account_ref="+14155238886",
                                         ai_mode=ChannelAccount.AIMode.OFF)


@pytest.fixture
def make_conversation(channel_account):  # type: ignore[no-untyped-def]
    def _make(*, name: str = "Rosa Quispe", assignee: Any = None, minutes_ago: int = 5, with_lead: str = "",
              **fields: Any) -> Conversation:
        contact = ContactFactory(name=name)
        at = timezone.now() - timedelta(minutes=minutes_ago)
        defaults: dict[str, Any] = {"last_message_at": at, "last_inbound_at": at,
                                    "last_message_preview": f"Hola, soy {name}"}
        defaults.update(fields)
        lead = LeadFactory(contact=contact, classification=with_lead) if with_lead else None
        return Conversation.objects.create(contact=contact, channel_account=channel_account, assignee=assignee,
                                           lead=lead, **defaults)

    return _make


def add_message(conversation: Conversation, **fields: Any) -> Message:
    defaults: dict[str, Any] = {"direction": "in", "sender": "customer", "status": "received", "text": "Hola"}
    defaults.update(fields)
    return Message.objects.create(conversation=conversation, channel_account=conversation.channel_account, **defaults)
