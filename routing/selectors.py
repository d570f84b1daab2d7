"""Reads of routing: which policy applies to a conversation, who may receive it now, and how busy they are."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count, Q, QuerySet

from accounts.models import Availability, Role, User
from accounts.selectors import team_supervisors_list
from conversations.models import Conversation
from conversations.selectors import conversation_team_id
from routing.models import RoutingPolicy

#: Conversations that count against an agent's capacity.
BUSY_STATUSES = (Conversation.Status.OPEN, Conversation.Status.PENDING)


def policy_for_conversation(conversation: Conversation) -> RoutingPolicy | None:
    """The active policy of the conversation's number, else of its team (the assignee's, else the number's)."""
    policy = (RoutingPolicy.objects.filter(is_active=True, channel_account_id=conversation.channel_account_id)
              .select_related("channel_account").first())
    if policy is not None:
        return policy
    team_id = conversation_team_id(conversation)
    if team_id is None:
        return None
    return RoutingPolicy.objects.filter(is_active=True, team_id=team_id, channel_account__isnull=True).first()


def agents_with_load(*, team_id: int | None) -> QuerySet[User]:
    """Active agents of ``team_id`` (every agent when None), each with ``load``: their open or pending
    conversations."""
    busy = Q(conversations__status__in=BUSY_STATUSES)
    agents = User.objects.filter(role=Role.AGENT, is_active=True)
    if team_id is not None:
        agents = agents.filter(team_id=team_id)
    return agents.annotate(load=Count("conversations", filter=busy)).order_by("pk")


def agents_eligible(*, policy: RoutingPolicy, exclude: Iterable[int] = ()) -> list[User]:
    """Who may receive a conversation of ``policy`` now: its team's active agents who are available, under the
    policy's capacity, and not in ``exclude``; by id, each with ``load``."""
    agents = agents_with_load(team_id=policy.agents_team_id).filter(availability=Availability.AVAILABLE)
    excluded = [pk for pk in exclude if pk]
    if excluded:
        agents = agents.exclude(pk__in=excluded)
    if policy.capacity:
        agents = agents.filter(load__lt=policy.capacity)
    return list(agents)


def agents_eligible_count(*, policy: RoutingPolicy) -> int:
    return len(agents_eligible(policy=policy))


def user_takes_work(user: User | None) -> bool:
    """An assignee who can answer now (active and available)."""
    return user is not None and user.is_active and user.availability == Availability.AVAILABLE


def team_supervisors(*, team_id: int | None) -> list[User]:
    """The people to tell when nobody could take a conversation: the team's supervisor and the supervisors who
    belong to it."""
    return [] if team_id is None else team_supervisors_list(team_id=team_id)
