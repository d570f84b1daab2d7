"""Builders for automation tests: rules with their actions, the objects each event is about, and emitting."""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

from django.utils import timezone

from accounts.models import User
from automations.models import AutomationAction, AutomationRule
from conversations.models import ChannelAccount, Conversation, Message, Tag
from core import events
from leads.models import Lead
from sales.models import Quote, Sale
from tests.leads.factories import ContactFactory

_numbers = itertools.count(1)


def make_rule(trigger: str, *actions: dict[str, Any], name: str = "", tags: tuple[str, ...] = (),
              **fields: Any) -> AutomationRule:
    rule = AutomationRule.objects.create(name=name or f"Regla {next(_numbers)}", trigger=trigger, **fields)
    if tags:
        rule.tags.set([Tag.objects.get_or_create(name=t)[0] for t in tags])
    for position, spec in enumerate(actions or ({"kind": "add_tag", "tag_name": f"regla-{rule.pk}"},)):
        spec = dict(spec)
        users = spec.pop("notify_users", ())
        action = AutomationAction(rule=rule, position=position, **spec)
        action.full_clean()
        action.save()
        if users:
            action.notify_users.set(users)
    return rule


def make_account(provider: str = "meta_whatsapp") -> ChannelAccount:
    n = next(_numbers)
    return ChannelAccount.objects.create(provider=provider, name=f"Cuenta {n}", account_ref=f"98800{n:05d}",
                                         access_token="meta-access-token", ai_mode=ChannelAccount.AIMode.OFF)


def make_conversation(*, assignee: User | None = None, name: str = "Rosa Quispe", provider: str = "meta_whatsapp",
                      classification: str = "WARM", inbound_hours_ago: float = 0,
                      account: ChannelAccount | None = None) -> Conversation:
    when = timezone.now() - timedelta(hours=inbound_hours_ago)
    contact = ContactFactory(name=name)
    lead = Lead.objects.create(contact=contact, classification=classification, assignee=assignee)
    return Conversation.objects.create(contact=contact, channel_account=account or make_account(provider),
                                       lead=lead, assignee=assignee, last_inbound_at=when, last_message_at=when)


def customer_message(conversation: Conversation, text: str = "Hola, ¿qué planes tienen?") -> Message:
    return Message.objects.create(conversation=conversation, channel_account=conversation.channel_account,
                                  direction=Message.Direction.IN, sender=Message.Sender.CUSTOMER,
                                  status=Message.Status.RECEIVED, text=text)


def make_quote(conversation: Conversation, agent: User, **fields: Any) -> Quote:
    return Quote.objects.create(number=f"COT-A{next(_numbers):05d}", contact=conversation.contact,
                                lead=conversation.lead, conversation=conversation, agent=agent,
                                valid_until=timezone.localdate() - timedelta(days=1), **fields)


def make_sale(conversation: Conversation, agent: User, **fields: Any) -> Sale:
    return Sale.objects.create(number=f"VTA-A{next(_numbers):05d}", contact=conversation.contact,
                               lead=conversation.lead, conversation=conversation, agent=agent, **fields)


def emit(capture: Any, name: str, **payload: Any) -> None:
    """Announce ``name`` and run its subscribers, as after a real commit."""
    with capture(execute=True):
        events.emit(name, **payload)


def message_event(capture: Any, message: Message) -> None:
    emit(capture, "message.received", message_id=message.pk, conversation_id=message.conversation_id,
         text=message.text, interactive_id="")


def tag_names(conversation: Conversation) -> set[str]:
    return set(conversation.tags.values_list("name", flat=True))
