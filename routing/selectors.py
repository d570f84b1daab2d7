"""Reads of routing: which policy applies to a conversation, who may receive it now, and how busy they are."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from types import MappingProxyType

from django.db.models import Count, Q, QuerySet

from accounts.models import Availability, Role, User
from accounts.selectors import team_supervisors_list
from conversations.models import Conversation
from conversations.selectors import conversation_team_id
from core.config_cache import config_cached
from routing.models import RoutingPolicy

#: Conversations that count against an agent's capacity.
BUSY_STATUSES = (Conversation.Status.OPEN, Conversation.Status.PENDING)


@dataclass(frozen=True)
class PolicyRef:
    """An active policy as plain data: which conversations it covers and whether it takes new ones. Who gets a
    conversation is decided on the row itself, loaded and locked (``routing.services``)."""

    pk: int
    team_id: int | None
    channel_account_id: int | None
    assign_new_conversations: bool


@dataclass(frozen=True)
class ActivePolicies:
    by_account: MappingProxyType[int, PolicyRef]
    by_team: MappingProxyType[int, PolicyRef]  # the team's policy for every number (no number of its own)


ACTIVE_POLICIES_KEY = "routing.active_policies"
#: Saves of only these fields (the round robin's bookkeeping at every assignment) change no policy's coverage.
POLICY_BOOKKEEPING_FIELDS = ("last_assigned", "updated_at")


def _active_policies_load() -> ActivePolicies:
    by_account: dict[int, PolicyRef] = {}
    by_team: dict[int, PolicyRef] = {}
    rows = RoutingPolicy.objects.filter(is_active=True).order_by("pk").values_list(
        "pk", "team_id", "channel_account_id", "assign_new_conversations")
    for pk, team_id, account_id, assign_new in rows:
        ref = PolicyRef(pk, team_id, account_id, assign_new)
        if account_id is not None:
            by_account.setdefault(account_id, ref)
        elif team_id is not None:
            by_team.setdefault(team_id, ref)
    return ActivePolicies(MappingProxyType(by_account), MappingProxyType(by_team))


def active_policies() -> ActivePolicies:
    """Every active policy, by number and by team: kept per process (``core.config_cache``; any change to a
    policy drops it, registered in ``RoutingConfig.ready``)."""
    return config_cached(ACTIVE_POLICIES_KEY, _active_policies_load)


def policy_for_conversation(conversation: Conversation) -> PolicyRef | None:
    """The active policy of the conversation's number, else of its team (the assignee's, else the number's)."""
    policies = active_policies()
    policy = policies.by_account.get(conversation.channel_account_id)
    if policy is not None:
        return policy
    team_id = conversation_team_id(conversation)
    if team_id is None:
        return None
    return policies.by_team.get(team_id)


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
