"""Reads of audits, scoped by the one role policy (accounts.policy, CONTRACT section 6).

- **admin**: every audit; **back office**: every audit once sent (they read, they do not audit);
- **supervisor** (the quality analysts): the audits of their teams' agents, drafts included;
- **agent**: their own audits once sent to them, never a draft.

Nobody sees a draft about themself. An audit the user may not see is a 404.

Who may do what (the services check the same rules again):

- audit an agent (start, edit a draft, send it): a supervisor of the agent's team or an admin, never the agent;
- acknowledge or dispute a sent audit: the audited agent only;
- resolve a dispute: a supervisor of the agent's team or an admin, never the agent.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404

from accounts.models import User
from accounts.policy import Reach, overseen_team_ids, role_reach, scope_queryset
from calls.models import Call, CallRecording
from calls.selectors import calls_visible
from conversations.models import Conversation, Message
from conversations.selectors import conversation_visible_queryset
from quality.models import Audit, AuditScore, EvaluationMatrix

AUDIT_RELATED = ("matrix", "agent", "agent__team", "analyst", "team", "call", "conversation",
                 "conversation__contact", "resolved_by")


def _team_ids(user: User) -> list[int]:
    """The teams whose agents ``user`` oversees (a supervisor's), memoised on the user object for one request."""
    cached = getattr(user, "_quality_team_ids", None)
    if cached is None:
        cached = overseen_team_ids(user=user)
        user._quality_team_ids = cached  # type: ignore[attr-defined]
    return cached


def user_may_audit(user: User) -> bool:
    """Whether ``user`` is a quality analyst at all (a supervisor or an admin)."""
    return role_reach(user) is not Reach.NOTHING and (user.is_admin_role or user.is_supervisor)


def user_may_audit_agent(user: User, agent: User | None, *, team_id: int | None = None) -> bool:
    """Whether ``user`` may audit ``agent``: an admin, or a supervisor of the agent's team (``team_id``, the team
    the audit was made for, also counts); never the agent themself."""
    if agent is None or not user.is_authenticated or user.pk == agent.pk or not user_may_audit(user):
        return False
    if user.is_admin_role:
        return True
    teams = _team_ids(user)
    return (agent.team_id is not None and agent.team_id in teams) or (team_id is not None and team_id in teams)


def audits_visible(user: User) -> QuerySet[Audit]:
    """Every audit ``user`` may see, with what a list line shows joined in."""
    reach = role_reach(user)
    qs = Audit.objects.select_related(*AUDIT_RELATED)
    if reach is Reach.NOTHING:
        return qs.none()
    # A supervisor also sees the audits made for their team while the agent was in it; an agent only their own.
    team_field = "team" if reach is Reach.TEAMS else None
    qs = scope_queryset(qs, user=user, agent_field="agent", team_field=team_field)
    if reach is Reach.OWN or user.is_backoffice:
        qs = qs.exclude(status=Audit.Status.DRAFT)
    return qs.exclude(status=Audit.Status.DRAFT, agent=user)


@dataclass(frozen=True)
class AuditFilters:
    status: str = ""
    agent: int | None = None
    matrix: int | None = None


def audit_list(*, user: User, filters: AuditFilters | None = None) -> QuerySet[Audit]:
    """The audits ``user`` may see, filtered, newest first (constant query count)."""
    filters = filters or AuditFilters()
    qs = audits_visible(user)
    if filters.status in Audit.Status.values:
        qs = qs.filter(status=filters.status)
    if filters.agent:
        qs = qs.filter(agent_id=filters.agent)
    if filters.matrix:
        qs = qs.filter(matrix_id=filters.matrix)
    return qs.order_by("-created_at", "-pk")


def audit_get_visible(user: User, pk: int) -> Audit:
    """The audit ``pk`` with its answers (criteria and sections joined) if ``user`` may see it, else 404."""
    scores = AuditScore.objects.select_related("criterion", "criterion__section").order_by(
        "criterion__section__position", "criterion__position", "criterion_id")
    try:
        return audits_visible(user).prefetch_related(Prefetch("scores", queryset=scores)).get(pk=pk)
    except (Audit.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def audit_can_edit(user: User, audit: Audit) -> bool:
    """Whether ``user`` may change the answers of ``audit`` now: a draft, by one who may audit its agent."""
    return audit.status == Audit.Status.DRAFT and user_may_audit_agent(user, audit.agent, team_id=audit.team_id)


def audit_can_respond(user: User, audit: Audit) -> bool:
    """Whether ``user`` may acknowledge or dispute ``audit``: the audited agent, once it was sent to them."""
    return audit.status == Audit.Status.SUBMITTED and user.is_authenticated and user.pk == audit.agent_id


def audit_can_resolve(user: User, audit: Audit) -> bool:
    """Whether ``user`` may resolve the dispute of ``audit``: a supervisor of the agent's team or an admin."""
    return audit.status == Audit.Status.DISPUTED and user_may_audit_agent(user, audit.agent, team_id=audit.team_id)


def audit_agents(user: User) -> QuerySet[User]:
    """The agents in ``user``'s visible audits (the list's agent filter)."""
    return User.objects.filter(pk__in=audits_visible(user).values("agent_id")).order_by("first_name", "username")


def published_matrices(*, channel: str = "") -> QuerySet[EvaluationMatrix]:
    """Published matrices, for a channel ("call" or "chat", also those for both) or all."""
    qs = EvaluationMatrix.objects.filter(status=EvaluationMatrix.Status.PUBLISHED)
    if channel:
        qs = qs.filter(channel__in=[channel, EvaluationMatrix.Channel.ANY])
    return qs.order_by("name", "-version")


def _open_audits(field: str) -> Exists:
    return Exists(Audit.objects.filter(**{field: OuterRef("pk")}))


def auditable_calls(user: User) -> QuerySet[Call]:
    """Calls ``user`` may audit: answered calls of their teams' agents (an admin's: anyone's), not their own,
    with a transcript or a recording; newest first, with whether an audit exists."""
    if not user_may_audit(user):
        return Call.objects.none()
    qs = calls_visible(user).filter(agent__isnull=False).exclude(agent=user)
    if not user.is_admin_role:
        qs = qs.filter(agent__team_id__in=_team_ids(user))
    has_recording = Exists(CallRecording.objects.filter(call=OuterRef("pk"), state=CallRecording.State.STORED))
    qs = qs.filter(Q(transcript_state=Call.TranscriptState.DONE) | has_recording)
    return qs.annotate(is_audited=_open_audits("call")).order_by("-started_at", "-pk")


def auditable_conversations(user: User) -> QuerySet[Conversation]:
    """Conversations ``user`` may audit: assigned to their teams' agents (an admin's: anyone's), not to
    themself, with at least one message from the agent; most recent first, with whether an audit exists."""
    if not user_may_audit(user):
        return Conversation.objects.none()
    qs = (conversation_visible_queryset(user=user).filter(assignee__isnull=False).exclude(assignee=user)
          .select_related("contact", "assignee", "channel_account"))
    if not user.is_admin_role:
        qs = qs.filter(assignee__team_id__in=_team_ids(user))
    agent_spoke = Exists(Message.objects.filter(conversation=OuterRef("pk"), sender=Message.Sender.AGENT))
    return qs.filter(agent_spoke).annotate(is_audited=_open_audits("conversation")).order_by(
        "-last_message_at", "-pk")


def audit_call_get(user: User, call_id: int) -> Call:
    """A call ``user`` may see (with its recordings), for the audit start screen; 404 otherwise."""
    try:
        return calls_visible(user).prefetch_related("recordings").get(pk=call_id)
    except (Call.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def audit_conversation_get(user: User, conversation_id: int) -> Conversation:
    try:
        return (conversation_visible_queryset(user=user).select_related("contact", "assignee")
                .get(pk=conversation_id))
    except (Conversation.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def audits_of_subject(user: User, *, call: Call | None = None,
                      conversation: Conversation | None = None) -> QuerySet[Audit]:
    """The visible audits of a call or a conversation, newest first."""
    qs = audits_visible(user)
    qs = qs.filter(call=call) if call is not None else qs.filter(conversation=conversation)
    return qs.order_by("-created_at", "-pk")


def audit_status_counts(user: User) -> dict[str, int]:
    """How many visible audits are in each status."""
    rows = audits_visible(user).order_by().values("status").annotate(n=Count("pk"))
    return {row["status"]: row["n"] for row in rows}
