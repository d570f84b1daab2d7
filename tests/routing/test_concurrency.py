"""PostgreSQL: workers routing at the same moment take turns on the policy's row, so round robin never gives
one turn twice and a capacity is never overrun."""

from __future__ import annotations

import pytest

from conversations.models import Conversation
from routing.models import Strategy
from routing.services import conversation_route
from tests.concurrency import run_together
from tests.routing.conftest import make_policy, open_conversation

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_workers_routing_at_once_never_give_the_same_round_robin_turn(agents, number, team):
    policy = make_policy(team, strategy=Strategy.ROUND_ROBIN)
    conversations = [open_conversation(number) for _ in range(3)]

    def worker(conversation: Conversation):  # type: ignore[no-untyped-def]
        return lambda: conversation_route(conversation_id=conversation.pk, reason="new_conversation")

    results = run_together([worker(c) for c in conversations])
    assert not [r for r in results if isinstance(r, BaseException)], results
    assert sorted(u.username for u in results) == ["ana", "beto", "carla"]
    policy.refresh_from_db()
    assert policy.last_assigned is not None


def test_workers_routing_at_once_respect_the_capacity(agents, number, team):
    make_policy(team, strategy=Strategy.LEAST_BUSY, capacity=1)
    conversations = [open_conversation(number) for _ in range(5)]
    results = run_together([
        (lambda c=c: conversation_route(conversation_id=c.pk, reason="escalated")) for c in conversations])
    assert not [r for r in results if isinstance(r, BaseException)], results
    assert sorted(u.username for u in results if u is not None) == ["ana", "beto", "carla"]
    assert results.count(None) == 2
    for agent in agents:
        assert Conversation.objects.filter(assignee=agent).count() == 1
