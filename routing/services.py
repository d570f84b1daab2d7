"""Routing: who gets a conversation (round robin, least busy, by skill, under a capacity), and unanswered
assignments that go to someone else or back to the queue.

Every choice of an agent happens with the policy's row locked (``select_for_update``): two workers routing at
once take turns, so round robin never gives one turn twice and a capacity is never overrun by a race.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from conversations.models import Conversation, Message
from conversations.selectors import conversation_team_id
from conversations.services.inbox import PRIORITY_RANK, conversation_add_system_note, conversation_assign_system
from notifications.services import notification_create
from routing.models import AgentSkill, RoutedAssignment, RoutingPolicy, Strategy
from routing.selectors import BUSY_STATUSES, agents_eligible, policy_for_conversation, team_supervisors, user_takes_work


class Reason:
    """Why a conversation is routed (shown to the agent who receives it)."""

    NEW = "new_conversation"
    HOT = "hot_lead"
    ESCALATED = "escalated"
    RETURNED = "returned"
    AUTOMATION = "automation"


REASON_LABELS = {
    Reason.NEW: gettext_lazy("New conversation"),
    Reason.HOT: gettext_lazy("HOT lead: answer now"),
    Reason.ESCALATED: gettext_lazy("The customer needs a person"),
    Reason.RETURNED: gettext_lazy("Not answered in time by its previous agent"),
    Reason.AUTOMATION: gettext_lazy("Automation rule"),
}

#: Conversations returned per policy and run of the job, oldest first (the next minute takes the rest).
RETURN_BATCH = 200


def reason_label(reason: str) -> str:
    return str(REASON_LABELS.get(reason, reason))


def _ordered_after(candidates: list[User], last_id: int | None) -> list[User]:
    """``candidates`` (by id) starting after the last one served: the round-robin order."""
    last = last_id or 0
    return [u for u in candidates if u.pk > last] + [u for u in candidates if u.pk <= last]


def _lead_skills(conversation: Conversation) -> tuple[int | None, str]:
    lead = conversation.lead
    if lead is None:
        return None, ""
    category = lead.service_type or (lead.product.category if lead.product_id else "")
    return lead.operator_id, category


def _pick(policy: RoutingPolicy, conversation: Conversation, exclude: Iterable[int]) -> User | None:
    candidates = agents_eligible(policy=policy, exclude=exclude)
    if not candidates:
        return None
    turn = _ordered_after(candidates, policy.last_assigned_id)
    if policy.strategy == Strategy.ROUND_ROBIN:
        return turn[0]
    position = {u.pk: i for i, u in enumerate(turn)}
    if policy.strategy == Strategy.SKILLS:
        operator_id, category = _lead_skills(conversation)
        match = Q(pk__in=[])
        if operator_id:
            match |= Q(operator_id=operator_id)
        if category:
            match |= Q(category=category)
        scores = dict(AgentSkill.objects.filter(match, user_id__in=position).values("user_id")
                      .annotate(total=Sum("level")).values_list("user_id", "total"))
        skilled = [u for u in candidates if scores.get(u.pk)]
        if skilled:
            return min(skilled, key=lambda u: (-scores[u.pk], u.load, position[u.pk]))
    # Least busy (and skills when nobody has them): fewest open conversations, ties in round-robin order.
    return min(candidates, key=lambda u: (u.load, position[u.pk]))


def _notify_nobody(*, conversation: Conversation, reason: str) -> int:
    contact = conversation.contact
    sent = 0
    for supervisor in team_supervisors(team_id=conversation_team_id(conversation)):
        notice = notification_create(
            user=supervisor, kind="routing.unassigned",
            title=_("Nobody could take the conversation with %(contact)s") % {
                "contact": contact.name or contact.phone or f"#{conversation.pk}"},
            body=reason_label(reason), url=reverse("panel:conversation", args=[conversation.pk]),
            dedupe_key=f"{conversation.pk}:{reason}:{timezone.localdate().isoformat()}",
        )
        sent += notice is not None
    return sent


@dataclass(frozen=True)
class _Outcome:
    assignee: User | None
    policy: RoutingPolicy | None


@transaction.atomic
def _route(*, conversation_id: int, reason: str, priority: str | None, exclude: Iterable[int],
           unassign_if_nobody: bool) -> _Outcome:
    conversation = (Conversation.objects.select_for_update(of=("self",))
                    .select_related("contact", "lead__product", "assignee").get(pk=conversation_id))
    excluded = {pk for pk in exclude if pk}
    current = conversation.assignee
    if conversation.status == Conversation.Status.RESOLVED:
        return _Outcome(current, None)
    if (reason != Reason.RETURNED and current is not None and current.pk not in excluded
            and user_takes_work(current)):
        return _Outcome(current, None)  # an agent who can answer holds it: left alone
    ref = policy_for_conversation(conversation)
    assignee = None
    policy = None
    if ref is not None:  # the row itself, locked (the per-process copy may be a moment old: still active?)
        policy = (RoutingPolicy.objects.select_for_update(of=("self",)).select_related("channel_account")
                  .filter(pk=ref.pk, is_active=True).first())
    if policy is not None:
        if current is not None:
            excluded.add(current.pk)  # it is being taken from them
        assignee = _pick(policy, conversation, excluded)
    if assignee is not None:
        assigned = conversation_assign_system(conversation_id=conversation.pk, assignee_id=assignee.pk,
                                              reason=reason_label(reason), priority=priority)
        RoutedAssignment.objects.update_or_create(
            conversation_id=conversation.pk, defaults={"assignee": assignee, "assigned_at": assigned.assigned_at})
        policy.last_assigned = assignee  # type: ignore[union-attr]
        policy.save(update_fields=["last_assigned", "updated_at"])  # type: ignore[union-attr]
        return _Outcome(assignee, policy)
    if unassign_if_nobody and current is not None:
        conversation_assign_system(conversation_id=conversation.pk, assignee_id=None, reason=reason_label(reason),
                                   priority=priority)
        conversation.assignee = None
    elif priority is not None and PRIORITY_RANK[priority] > PRIORITY_RANK[conversation.priority]:
        conversation_assign_system(conversation_id=conversation.pk, assignee_id=conversation.assignee_id,
                                   reason=reason_label(reason), priority=priority)
    _notify_nobody(conversation=conversation, reason=reason)
    return _Outcome(None, policy)


def conversation_route(*, conversation_id: int, reason: str, priority: str | None = None,
                       exclude: Iterable[int] = ()) -> User | None:
    """Give the conversation to an agent by its policy (its number's, else its team's): available, under the
    capacity, not in ``exclude``. Its priority goes up to ``priority`` either way. Nobody fits (or no policy):
    it stays where it is (in the queue) and the team's supervisors hear it. A conversation held by an agent
    who can answer is left alone, unless ``reason`` is a return. Returns who has it now (None: the queue)."""
    return _route(conversation_id=conversation_id, reason=reason, priority=priority, exclude=exclude,
                  unassign_if_nobody=False).assignee


def conversation_route_if_policy(*, conversation_id: int, reason: str, priority: str | None = None,
                                 new_conversation: bool = False) -> User | None:
    """As :func:`conversation_route`, only for a conversation an active policy covers (and, for a new
    conversation, one that assigns new conversations): without a policy, assignment stays manual."""
    conversation = Conversation.objects.filter(pk=conversation_id).first()
    if conversation is None:
        return None
    policy = policy_for_conversation(conversation)
    if policy is None or (new_conversation and not policy.assign_new_conversations):
        return None
    return conversation_route(conversation_id=conversation_id, reason=reason, priority=priority)


def lead_open_conversation_id(*, lead_id: int) -> int | None:
    """The lead's most recent conversation not yet resolved."""
    return (Conversation.objects.filter(lead_id=lead_id).exclude(status=Conversation.Status.RESOLVED)
            .order_by("-last_message_at", "-pk").values_list("pk", flat=True).first())


# --- unanswered assignments ----------------------------------------------------------------------------------

def _stale_for_policy(policy: RoutingPolicy, now: datetime) -> list[tuple[int, int, datetime]]:
    cutoff = now - timedelta(minutes=policy.return_after_minutes)
    answered = Message.objects.filter(conversation=OuterRef("pk"), sender=Message.Sender.AGENT,
                                      direction=Message.Direction.OUT, created_at__gte=OuterRef("assigned_at"))
    # The routing gave it (a person's assignment stays), the customer still waits for a reply (waiting_since), and
    # the agent has not written since receiving it.
    routed = RoutedAssignment.objects.filter(conversation=OuterRef("pk"), assignee=OuterRef("assignee"),
                                             assigned_at=OuterRef("assigned_at"))
    stale = (Conversation.objects.filter(Exists(routed), status__in=BUSY_STATUSES, assignee__isnull=False,
                                         assigned_at__lte=cutoff, waiting_since__isnull=False)
             .exclude(Exists(answered)))
    if policy.channel_account_id is not None:
        stale = stale.filter(channel_account_id=policy.channel_account_id)
    else:
        own = RoutingPolicy.objects.filter(is_active=True, channel_account=OuterRef("channel_account_id"))
        stale = (stale.filter(Q(assignee__team_id=policy.team_id)
                              | Q(assignee__team__isnull=True, channel_account__team_id=policy.team_id))
                 .exclude(Exists(own)))
    return list(stale.order_by("assigned_at").values_list("pk", "assignee_id", "assigned_at")[:RETURN_BATCH])


@transaction.atomic
def assignment_return(*, conversation_id: int, agent_id: int, assigned_at: datetime, minutes: int) -> bool:
    """One unanswered assignment goes to someone else (never back to ``agent_id``), else to the queue. Nothing
    when it changed hands or was answered meanwhile. True when it was returned."""
    conversation = (Conversation.objects.select_for_update(of=("self",)).select_related("contact")
                    .get(pk=conversation_id))
    if (conversation.assignee_id != agent_id or conversation.assigned_at != assigned_at
            or conversation.waiting_since is None or conversation.status not in BUSY_STATUSES):
        return False
    if Message.objects.filter(conversation=conversation, sender=Message.Sender.AGENT, direction=Message.Direction.OUT,
                              created_at__gte=assigned_at).exists():
        return False
    agent = User.objects.get(pk=agent_id)
    outcome = _route(conversation_id=conversation_id, reason=Reason.RETURNED, priority=None, exclude=[agent_id],
                     unassign_if_nobody=True)
    contact = conversation.contact.name or conversation.contact.phone or f"#{conversation.pk}"
    if outcome.assignee is not None:
        note = _("%(agent)s did not answer within %(minutes)s minutes: given to %(to)s.") % {
            "agent": agent, "minutes": minutes, "to": outcome.assignee}
    else:
        note = _("%(agent)s did not answer within %(minutes)s minutes: back in the queue.") % {
            "agent": agent, "minutes": minutes}
    conversation_add_system_note(conversation_id=conversation_id, text=note)
    notification_create(
        user=agent, kind="routing.returned",
        title=_("The conversation with %(contact)s was taken from you") % {"contact": contact},
        body=note, url=reverse("panel:conversation", args=[conversation_id]),
        dedupe_key=f"{conversation_id}:{assigned_at.isoformat()}",
    )
    return True


def assignments_return_unanswered(*, now: datetime | None = None) -> int:
    """Conversations the routing assigned whose customer still waits and whose agent has not written to them
    ``return_after_minutes`` after receiving them (by their policy) go to another agent, else back to the queue;
    each returned one has a note and its former agent is told. How many were returned."""
    now = now or timezone.now()
    returned = 0
    for policy in RoutingPolicy.objects.filter(is_active=True, return_after_minutes__gt=0).order_by("pk"):
        for conversation_id, agent_id, assigned_at in _stale_for_policy(policy, now):
            returned += assignment_return(conversation_id=conversation_id, agent_id=agent_id,
                                          assigned_at=assigned_at, minutes=policy.return_after_minutes)
    return returned
