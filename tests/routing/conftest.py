"""Routing fixtures: a team with three available agents, its number, and helpers to open conversations."""

from __future__ import annotations

import pytest

from accounts.models import Role, Team, User
from conftest import make_user
from conversations.models import ChannelAccount, Conversation
from routing.models import RoutingPolicy
from tests.automations.factories import make_account, make_conversation
from tests.conversations.conftest import post_twilio, provider_settings  # noqa: F401 - fixtures


@pytest.fixture
def agents(team: Team, supervisor: User) -> list[User]:
    """Three available agents of the supervisor's team, by id."""
    return [make_user(name, Role.AGENT, team) for name in ("ana", "beto", "carla")]


@pytest.fixture
def number(team: Team) -> ChannelAccount:
    account = make_account()
    account.team = team
    account.save()
    return account


def make_policy(team: Team | None = None, **fields: object) -> RoutingPolicy:
    policy = RoutingPolicy(name=fields.pop("name", "Política"), team=team, **fields)
    policy.full_clean()
    policy.save()
    return policy


def open_conversation(number: ChannelAccount, **fields: object) -> Conversation:
    """A conversation whose customer just wrote and waits for a reply."""
    conversation = make_conversation(account=number, **fields)
    Conversation.objects.filter(pk=conversation.pk).update(waiting_since=conversation.last_inbound_at)
    conversation.refresh_from_db()
    return conversation
