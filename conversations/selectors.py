"""Reads of conversations and messages, scoped by role (CONTRACT section 6).

Agents see conversations assigned to them and the unassigned queue; supervisors their team's and
the queue; back office and admins everything. A conversation the user may not see is a 404.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import timedelta
from types import MappingProxyType
from typing import Any

from django.db.models import Case, Q, QuerySet, When
from django.http import Http404

from accounts.models import Role, User
from accounts.policy import Queue, Reach, overseen_team_ids, role_reach, scope_queryset, sees_queue
from accounts.selectors import assignable_users_list
from conversations.models import Channel, ChannelAccount, Conversation, ConversationEvent, FollowUpTask, Message
from core.config_cache import config_cached
from core.params import parse_id
from core.prepared import PreparedQuery
from core.realtime import EVERYTHING_GROUP, QUEUE_GROUP, team_group, user_group
from integrations.base import Provider
from leads.search import contact_search_q

# Unassigned conversations are a queue agents take from: every rung sees it.
CONVERSATION_QUEUE = Queue.EVERYONE


def conversation_visible_queryset(*, user: User) -> QuerySet[Conversation]:
    return scope_queryset(Conversation.objects.all(), user=user, agent_field="assignee", queue=CONVERSATION_QUEUE)


@dataclass(frozen=True)
class ConversationFilters:
    status: str = ""
    channel: str = ""
    assignee: str = ""  # id, "me" or "none"; anything else is ignored
    priority: str = ""
    q: str = ""
    needs_human: bool | None = None


def conversation_list(*, user: User, filters: ConversationFilters | None = None) -> QuerySet[Conversation]:
    filters = filters or ConversationFilters()
    qs = (
        conversation_visible_queryset(user=user)
        .select_related("contact", "channel_account", "assignee", "lead")
        .prefetch_related("tags")
    )
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.channel == Channel.INSTAGRAM:
        qs = qs.filter(channel_account__provider=Provider.INSTAGRAM)
    elif filters.channel == Channel.WHATSAPP:
        qs = qs.exclude(channel_account__provider=Provider.INSTAGRAM)
    if filters.priority:
        qs = qs.filter(priority=filters.priority)
    if filters.needs_human is not None:
        qs = qs.filter(needs_human=filters.needs_human)
    if filters.assignee == "me":
        qs = qs.filter(assignee=user)
    elif filters.assignee == "none":
        qs = qs.filter(assignee__isnull=True)
    elif (assignee_id := parse_id(filters.assignee)) is not None:
        qs = qs.filter(assignee_id=assignee_id)
    if filters.q:
        qs = qs.filter(contact_search_q(filters.q, prefix="contact__") | Q(last_message_preview__icontains=filters.q))
    return qs.order_by("-last_message_at", "-pk")


def conversation_get_for_user(*, user: User, conversation_id: int) -> Conversation:
    try:
        return conversation_list(user=user).get(pk=conversation_id)
    except Conversation.DoesNotExist as exc:
        raise Http404 from exc


def transfer_candidates_list(*, user: User, conversation: Conversation) -> QuerySet[User]:
    """Whom ``user`` may hand ``conversation`` to: whom they may assign, plus the agents of their team."""
    q = Q(pk__in=assignable_users_list(user=user).values("pk"))
    if user.team_id:
        q |= Q(team_id=user.team_id, role__in=[Role.AGENT, Role.SUPERVISOR])
    qs = User.objects.filter(q, is_active=True).exclude(pk=user.pk)
    if conversation.assignee_id:
        qs = qs.exclude(pk=conversation.assignee_id)
    return qs.order_by("first_name", "username")


def message_list(*, conversation: Conversation) -> QuerySet[Message]:
    return conversation.messages.select_related("author").order_by("-created_at", "-pk")


def conversation_by_phone(*, user: User, phone: str) -> QuerySet[Conversation]:
    return conversation_list(user=user).filter(Q(contact__phone=phone) | Q(contact__whatsapp_id=phone.lstrip("+")))


def quick_reply_list(*, user: User, prefix: str = "") -> QuerySet:
    """Canned replies the user may use: the global ones and their team's, by shortcut."""
    from conversations.models import QuickReply

    qs = QuickReply.objects.filter(is_active=True).filter(Q(team__isnull=True) | Q(team_id=user.team_id))
    if prefix:
        qs = qs.filter(shortcut__startswith=prefix.lower().lstrip("/"))
    return qs.order_by("shortcut")[:10]


# --------------------------------------------------------------------------------------------
# Catch-up: the events a socket missed, from the event log
# --------------------------------------------------------------------------------------------
CATCHUP_LIMIT = 500
# The log's ids are handed out at insert, rows become visible at commit: a transaction that inserted
# row 10 may commit after row 11 was read. ``since`` therefore also returns rows written up to this
# long before the cursor's row (the client ignores the ones it has, by conversation and seq).
CATCHUP_OVERLAP = timedelta(seconds=10)


@dataclass(frozen=True)
class CatchUp:
    events: list[dict[str, Any]]
    cursor: int
    more: bool = False
    reset: bool = False  # the log no longer reaches back that far: reload the page


def _frame(event: ConversationEvent, *, trimmed: bool = False) -> dict[str, Any]:
    data = event.data
    if trimmed:  # someone who lost the conversation hears only where it went, as live
        data = {"id": event.conversation_id, "assignee": data.get("assignee")}
    return {"type": event.type, "v": 1, "data": data, "conversation": event.conversation_id, "seq": event.seq,
            "cursor": event.pk}


def conversation_events_after(
    *, user: User, conversation_id: int, after: int | None, limit: int = CATCHUP_LIMIT
) -> CatchUp:
    """The events of a conversation the user may see (else 404) numbered above ``after``, in seq order.

    Without ``after`` it only answers the conversation's current seq (a client's starting point).
    """
    conversation = conversation_get_for_user(user=user, conversation_id=conversation_id)
    if after is None:
        return CatchUp(events=[], cursor=conversation.event_seq)
    rows = list(ConversationEvent.objects.filter(conversation=conversation, seq__gt=after).order_by("seq")[
        : limit + 1
    ])
    more = len(rows) > limit
    rows = rows[:limit]
    reset = conversation.event_seq > after and (not rows or rows[0].seq != after + 1)
    last = rows[-1].seq if rows else max(after, 0)
    return CatchUp(events=[_frame(e) for e in rows], cursor=last, more=more, reset=reset)


def _audience_q(field: str, groups: list[str]) -> Q:
    if not groups:  # someone who hears nothing (an empty Q() would match every event)
        return Q(pk__in=[])
    q = Q()
    for group in groups:
        q |= Q(**{f"{field}__contains": f" {group} "})
    return q


def user_role_groups(user: User) -> list[str]:
    """Groups a user hears from connection time on, matching what the selectors let them see.

    Agents: their own conversations and the unassigned queue. Supervisors: also the teams they
    belong to or supervise. Back office and admins: everything (``role.all`` only, so no event
    arrives twice). Inactive users: nothing. The rungs are accounts.policy's, as in
    ``conversation_visible_queryset``. The catch-up endpoints filter the event log with the same list.
    """
    reach = role_reach(user)
    if reach is Reach.NOTHING:
        return []
    groups = [user_group(user.pk)]
    if reach is Reach.EVERYTHING:
        return [*groups, EVERYTHING_GROUP]
    if sees_queue(user, CONVERSATION_QUEUE):
        groups.append(QUEUE_GROUP)
    return groups + [team_group(team_id) for team_id in overseen_team_ids(user=user)]


def events_since(*, user: User, since: int | None, limit: int = CATCHUP_LIMIT) -> CatchUp:
    """The events the user's sockets would have heard after log row ``since``, oldest first.

    Without ``since`` it only answers the current cursor (a client's starting point).
    """
    latest = ConversationEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    if since is None:
        return CatchUp(events=[], cursor=latest)
    window = Q(pk__gt=since)
    anchor = ConversationEvent.objects.filter(pk__lte=since).order_by("-pk").values_list("created_at", flat=True)
    anchor_at = anchor.first()
    if anchor_at is None and since > 0:
        return CatchUp(events=[], cursor=latest, reset=latest > since)
    if anchor_at is not None:
        window |= Q(pk__lte=since, created_at__gte=anchor_at - CATCHUP_OVERLAP)
    groups = user_role_groups(user)
    current, former = _audience_q("audience", groups), _audience_q("former_audience", groups)
    rows = list(ConversationEvent.objects.filter(window).filter(current | former).order_by("pk")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    wanted = {f" {g} " for g in groups}
    frames = [_frame(e, trimmed=not any(g in e.audience for g in wanted)) for e in rows]
    cursor = rows[-1].pk if more else max(latest, since, rows[-1].pk if rows else 0)
    return CatchUp(events=frames, cursor=cursor, more=more)


def followup_list(*, conversation: Conversation) -> QuerySet[FollowUpTask]:
    """A conversation's follow-ups: scheduled first (soonest first), then the recent closed ones."""
    return conversation.followups.select_related("created_by", "template").order_by(
        Case(When(state=FollowUpTask.State.SCHEDULED, then=0), default=1), "due_at", "pk"
    )


def followup_get_for_user(*, user: User, conversation_id: int, followup_id: int) -> FollowUpTask:
    conversation = conversation_get_for_user(user=user, conversation_id=conversation_id)
    try:
        return followup_list(conversation=conversation).get(pk=followup_id)
    except FollowUpTask.DoesNotExist as exc:
        raise Http404 from exc


CHANNEL_ACCOUNT_TEAMS_KEY = "conversations.channel_account_teams"


def _channel_account_teams_load() -> MappingProxyType[int, int | None]:
    return MappingProxyType(dict(ChannelAccount.objects.order_by().values_list("pk", "team_id")))


def channel_account_teams() -> MappingProxyType[int, int | None]:
    """Each channel account's team, by account id: kept per process (``core.config_cache``; invalidated by any
    change to a channel account, registered in ``ConversationsConfig.ready``)."""
    return config_cached(CHANNEL_ACCOUNT_TEAMS_KEY, _channel_account_teams_load)


CHANNEL_ACCOUNTS_KEY = "conversations.channel_accounts"


def _channel_accounts_load() -> MappingProxyType[int, ChannelAccount]:
    return MappingProxyType({account.pk: account for account in ChannelAccount.objects.order_by()})


def channel_account_cached(pk: int) -> ChannelAccount:
    """Channel account ``pk``, a copy of this process's own (``core.config_cache``; any change to an account drops
    it, registered in ``ConversationsConfig.ready``): the AI step and the sends read it for every message, and
    joining it to their reads cost as much as the rest of the row, its secrets decrypted every time.

    The copy is the caller's to change. Raises ``ChannelAccount.DoesNotExist`` for an account that is gone.
    """
    account = config_cached(CHANNEL_ACCOUNTS_KEY, _channel_accounts_load).get(pk)
    if account is None:  # created since this process took its copy
        return ChannelAccount.objects.get(pk=pk)
    return copy.copy(account)


def conversation_team_id(conversation: Conversation) -> int | None:
    """The team whose routing, hours and service levels apply: the assignee's, else the number's team."""
    team_id = None
    if conversation.assignee_id is not None:
        if Conversation._meta.get_field("assignee").is_cached(conversation):
            team_id = conversation.assignee.team_id if conversation.assignee is not None else None
        else:
            team_id = User.objects.filter(pk=conversation.assignee_id).values_list("team_id", flat=True).first()
    return _team(team_id, conversation.channel_account_id)


def _team(assignee_team_id: int | None, channel_account_id: int) -> int | None:
    """The assignee's team, else the number's."""
    return assignee_team_id if assignee_team_id is not None else channel_account_teams().get(channel_account_id)


@dataclass(frozen=True)
class MessageFacts:
    """What the automation rules' conditions read of a customer's message and its conversation."""

    message_id: int
    intent: str
    conversation_id: int
    lead_id: int | None
    team_id: int | None  # the conversation's team (conversation_team_id)


_MESSAGE_FACTS: PreparedQuery[tuple[Any, ...]] = PreparedQuery(
    lambda message_id: Message.objects.filter(pk=message_id).values_list(
        "intent", "conversation_id", "conversation__lead_id", "conversation__channel_account_id",
        "conversation__assignee__team_id"))


def message_facts(message_id: int) -> MessageFacts | None:
    """The message's intent, conversation, lead and team in one narrow read; None when the message is gone.

    Prepared (``core.prepared``): every customer's message is read this way by the rules.
    """
    row = _MESSAGE_FACTS.first(message_id=message_id)
    if row is None:
        return None
    intent, conversation_id, lead_id, account_id, assignee_team_id = row
    return MessageFacts(message_id=message_id, intent=intent, conversation_id=conversation_id, lead_id=lead_id,
                        team_id=_team(assignee_team_id, account_id))
