"""The times service levels and the dashboard read off a conversation, kept by the services that change it,
and the events the automations hear: a conversation opened, a lead turned HOT, a quote expired."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from conversations.models import ChannelAccount, Conversation, WebhookEvent
from conversations.selectors import conversation_team_id
from conversations.services.inbound import webhook_event_process
from conversations.services.inbox import conversation_assign, conversation_set_status
from conversations.services.outbound import message_send
from core import events
from leads.services import lead_create, lead_update
from sales.services.quotes import quote_accept, quote_create, quotes_expire
from tests.conversations.conftest import drain, twilio_params
from tests.leads.factories import ContactFactory
from tests.operators.factories import ProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def heard():
    """Every event of issue 17's new kinds (and escalations) heard, in order."""
    got: list[tuple[str, dict]] = []

    def listener(event: events.Event) -> None:
        got.append((event.name, dict(event.payload)))

    names = ("conversation.created", "conversation.escalated", "lead.hot", "quote.expired")
    for name in names:
        events.subscribe(name, listener)
    yield got
    for name in names:
        events.unsubscribe(name, listener)


def test_a_customer_message_starts_the_clock_and_the_ai_reply_stops_it(post_twilio, heard,
                                                                        django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as after_commit:
        post_twilio(twilio_params(Body="hola, ¿tienen planes de internet?"))
        webhook_event_process(event_id=WebhookEvent.objects.get().pk)  # stored; the AI's turn comes after commit
    conversation = Conversation.objects.get()
    assert conversation.waiting_since is not None
    assert conversation.first_response_at is None
    with django_capture_on_commit_callbacks(execute=True):
        for callback in after_commit:
            callback()  # the commit: the events go out, the AI answers
        drain()
    assert heard == [("conversation.created", {"conversation_id": conversation.pk})]
    conversation.refresh_from_db()
    assert conversation.waiting_since is None
    assert conversation.first_response_at is not None
    assert conversation.first_agent_reply_at is None  # the AI is not a person
    with django_capture_on_commit_callbacks(execute=True):
        post_twilio(twilio_params(MessageSid="SM" + "9" * 32, Body="y cuánto cuesta?"))
        drain()
    assert [name for name, _ in heard] == ["conversation.created"]  # the same conversation: not opened again


def test_a_complaint_records_when_and_why_it_went_to_a_person(post_twilio, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        post_twilio(twilio_params(Body="Pésimo servicio, quiero poner un reclamo 😡"))
        drain()
    conversation = Conversation.objects.get()
    assert conversation.needs_human
    assert conversation.escalation_reason == "complaint"
    assert conversation.escalated_at is not None


def test_assignment_reply_and_resolution_times(post_twilio, ai_off, agent, supervisor,
                                               django_capture_on_commit_callbacks):
    post_twilio(twilio_params(Body="hola"))
    drain()
    conversation = Conversation.objects.get()
    waiting = conversation.waiting_since
    assert waiting is not None
    conversation_assign(actor=supervisor, conversation=conversation, assignee=agent)
    conversation.refresh_from_db()
    assigned = conversation.assigned_at
    assert assigned is not None
    conversation_assign(actor=supervisor, conversation=conversation, assignee=agent)  # the same person: unchanged
    conversation.refresh_from_db()
    assert conversation.assigned_at == assigned
    message_send(conversation=conversation, text="Hola, ¿en qué te ayudo?", actor=agent)
    conversation.refresh_from_db()
    assert conversation.first_agent_reply_at is not None
    assert conversation.first_response_at == conversation.first_agent_reply_at
    assert conversation.waiting_since is None
    post_twilio(twilio_params(MessageSid="SM" + "8" * 32, Body="quiero un plan"))
    drain()
    conversation.refresh_from_db()
    assert conversation.waiting_since is not None and conversation.waiting_since > waiting
    conversation_set_status(actor=agent, conversation=conversation, status="resolved")
    conversation.refresh_from_db()
    assert conversation.resolved_at is not None
    assert conversation.waiting_since is None  # nothing left to answer
    conversation_assign(actor=supervisor, conversation=conversation, assignee=None)
    conversation.refresh_from_db()
    assert conversation.assigned_at is None


def test_a_system_notice_is_not_a_reply(post_twilio, ai_off):
    post_twilio(twilio_params(Body="hola"))
    drain()
    conversation = Conversation.objects.get()
    message_send(conversation=conversation, text="Estamos fuera de horario.", sender="system")
    conversation.refresh_from_db()
    assert conversation.first_response_at is None
    assert conversation.waiting_since is not None


def test_the_team_of_a_conversation_is_its_assignees_else_its_numbers(post_twilio, ai_off, agent, other_agent,
                                                                     supervisor):
    post_twilio(twilio_params(Body="hola"))
    drain()
    conversation = Conversation.objects.get()
    assert conversation_team_id(conversation) is None
    ChannelAccount.objects.update(team=other_agent.team)
    assert conversation_team_id(conversation) == other_agent.team_id
    conversation_assign(actor=supervisor, conversation=conversation, assignee=agent)
    conversation.refresh_from_db()
    assert conversation_team_id(conversation) == agent.team_id


def test_a_lead_turning_hot_is_announced_once(heard, agent, django_capture_on_commit_callbacks):
    product = ProductFactory()
    with django_capture_on_commit_callbacks(execute=True):
        lead = lead_create(actor=agent, contact=ContactFactory(), product=product, conversation_count=1)
    assert lead.classification != "HOT"
    assert heard == []
    with django_capture_on_commit_callbacks(execute=True):
        lead = lead_update(actor=agent, lead=lead, data={"budget": Decimal("120"), "zone": "Miraflores",
                                                         "address": "Av. Larco 1234"})
    assert lead.classification == "HOT"
    assert heard == [("lead.hot", {"lead_id": lead.pk})]
    with django_capture_on_commit_callbacks(execute=True):
        lead_update(actor=agent, lead=lead, data={"notes": "llamar en la tarde"})  # still HOT: not again
    assert len(heard) == 1
    with django_capture_on_commit_callbacks(execute=True):
        born_hot = lead_create(actor=agent, contact=ContactFactory(), product=product, budget=Decimal("120"),
                               zone="Miraflores", address="Av. Larco 1234", conversation_count=1)
    assert heard[1:] == [("lead.hot", {"lead_id": born_hot.pk})]


def test_each_expired_quote_is_announced(heard, agent, django_capture_on_commit_callbacks):
    phone = ProductFactory(price=Decimal("999"))
    short = quote_create(actor=agent, contact=ContactFactory(), lines=[{"product": phone, "quantity": 1}],
                         valid_days=1)
    accepted = quote_create(actor=agent, contact=ContactFactory(), lines=[{"product": phone, "quantity": 1}],
                            valid_days=1)
    quote_accept(quote=accepted, actor=agent)
    with time_machine.travel(timezone.now() + timedelta(days=2)), django_capture_on_commit_callbacks(execute=True):
        assert quotes_expire() == 1
        assert quotes_expire() == 0
    assert heard == [("quote.expired", {"quote_id": short.pk})]
