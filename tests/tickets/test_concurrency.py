"""Concurrent workers on PostgreSQL: one complaint ticket per conversation, and an even deal under load."""

from collections import Counter

import pytest

from core import events
from tests.concurrency import run_together
from tests.tickets.factories import make_agent, make_conversation
from tickets.models import Ticket
from tickets.services import ticket_create

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_escalation_delivered_to_three_workers_at_once_opens_one_ticket_when_they_race(agent, team):
    make_agent("agente2", team)
    conversation = make_conversation(assignee=agent)
    subscriber = events.subscriber_named("conversation.escalated",
                                         "tickets.subscribers.conversation_escalated_open_ticket")
    event = events.Event("conversation.escalated", {"conversation_id": conversation.pk, "reason": "complaint"})
    results = run_together([lambda: events.run_subscriber(subscriber, event, retry=False) for _ in range(3)])
    ticket = Ticket.objects.get()
    assert results == [ticket.pk] * 3


def test_six_tickets_opened_at_once_are_dealt_two_each_when_three_agents_are_available(team, supervisor):
    for n in (1, 2, 3):
        make_agent(f"agente{n}", team)
    results = run_together([lambda i=i: ticket_create(actor=None, subject=f"Caso {i}", team=team).assignee.username
                             for i in range(6)])
    assert Counter(results) == {"agente1": 2, "agente2": 2, "agente3": 2}
