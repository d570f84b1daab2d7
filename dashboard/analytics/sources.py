"""The rows each figure counts: querysets narrowed to the user's scope and the filters.

Which filter narrows which rows (dated by / team and agent / channel / operator):

- conversations: created, resolved or escalated / the conversation's team (the assignee's team, else the
  number's) and assignee / its number's channel / its lead's operator;
- messages: sent / as their conversation (team, assignee, number's channel, lead's operator);
- leads: created / the assignee's team and the assignee / the source channel / the operator of interest;
- sales (validated only): sold / the agent's team and the agent / its conversation's channel / a line's
  product's operator; commissions and lines follow their sales;
- tickets: opened / the ticket's team (else its assignee's) and the assignee / its conversation's channel / -;
- calls and quality audits: started, sent / the agent's team and the agent / - / -;
- CSAT: answered / the survey's team and agent / its conversation's channel / its conversation's lead's;
- collections: the instalment's due day / the agreement's agent / - / the debt's creditor;
- AI spend: the request's time / - (company-wide) / - / -.

A supervisor's scope: the rows held by the people of their teams (and their own); conversations also the ones
nobody holds whose number serves one of their teams; tickets also their teams' unassigned ones.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce

from accounts.models import User
from agreements.models import Installment, PaymentAgreement
from ai.models import AIRequest
from calls.models import Call
from conversations.models import ChannelAccount, Conversation
from csat.models import CsatSurvey
from dashboard.analytics.filters import Scope, span
from dashboard.types import Filters
from integrations.base import Provider
from leads.models import Lead
from quality.models import Audit
from sales.models import Commission, Sale, SaleLine
from tickets.models import Ticket


def channel_account_q(path: str, channel: str) -> Q:
    """Like :func:`channel_q` but as ``<path>_id IN (the channel's accounts)``: no join (PostgreSQL hashes the
    few accounts' ids once), for counts over every conversation."""
    if not channel:
        return Q()
    instagram = ChannelAccount.objects.order_by().filter(provider=Provider.INSTAGRAM).values("pk")
    q = Q(**{f"{path}_id__in": instagram})
    return q if channel == "instagram" else ~q


def channel_q(path: str, channel: str) -> Q:
    """Rows whose channel account at ``path`` is on ``channel`` ("" for any)."""
    if not channel:
        return Q()
    provider = f"{path}__provider" if path else "provider"
    q = Q(**{provider: Provider.INSTAGRAM})
    return q if channel == "instagram" else ~q


def in_span(field: str, filters: Filters) -> Q:
    start, end = span(filters)
    return Q(**{f"{field}__gte": start, f"{field}__lt": end})


def team_expression(prefix: str = "") -> Coalesce:
    """A conversation's team: its assignee's, else its number's (``conversations.selectors.conversation_team_id``)."""
    return Coalesce(f"{prefix}assignee__team_id", f"{prefix}channel_account__team_id")


def conversation_team_q(team_ids: tuple[int, ...]) -> Q:
    """Conversations whose team (:func:`team_expression`: the assignee's, else the number's) is one of
    ``team_ids``, written without joins: held by one of the teams' people, or held by nobody (or by someone of no
    team) on one of the teams' numbers. Each list is hashed once by PostgreSQL."""
    members = User.objects.order_by().filter(team_id__in=team_ids).values("pk")
    teamless = User.objects.order_by().filter(team__isnull=True).values("pk")
    numbers = ChannelAccount.objects.order_by().filter(team_id__in=team_ids).values("pk")
    return Q(assignee_id__in=members) | ((Q(assignee__isnull=True) | Q(assignee_id__in=teamless))
                                         & Q(channel_account_id__in=numbers))


def conversations(scope: Scope, filters: Filters) -> QuerySet[Conversation]:
    """Conversations in scope and filters (any date: callers add the date they count by)."""
    qs = Conversation.objects.order_by()
    if not scope.everything:
        qs = qs.filter(conversation_team_q(scope.team_ids) | Q(assignee_id=scope.user_id))
    if filters.team_id:
        qs = qs.filter(conversation_team_q((filters.team_id,)))
    if filters.agent_id:
        qs = qs.filter(assignee_id=filters.agent_id)
    if filters.channel:
        qs = qs.filter(channel_q("channel_account", filters.channel))
    if filters.operator_id:
        qs = qs.filter(lead__operator_id=filters.operator_id)
    return qs


def leads(scope: Scope, filters: Filters) -> QuerySet[Lead]:
    """Leads created in the range."""
    qs = Lead.objects.order_by().filter(scope.people_q("assignee"), in_span("created_at", filters))
    if filters.team_id:
        qs = qs.filter(assignee__team_id=filters.team_id)
    if filters.agent_id:
        qs = qs.filter(assignee_id=filters.agent_id)
    if filters.channel:
        qs = qs.filter(source=filters.channel)
    if filters.operator_id:
        qs = qs.filter(operator_id=filters.operator_id)
    return qs


def _sales_q(scope: Scope, filters: Filters, prefix: str = "") -> Q:
    """Validated sales sold in the range, as conditions on the sale at ``prefix`` (``"sale__"`` from a line or a
    commission: one join to the sales, where ``sale IN (the sales)`` joined them twice)."""
    q = scope.people_q(f"{prefix}agent") & in_span(f"{prefix}sold_at", filters) & Q(
        **{f"{prefix}status": Sale.Status.VALIDATED})
    if filters.team_id:
        q &= Q(**{f"{prefix}agent__team_id": filters.team_id})
    if filters.agent_id:
        q &= Q(**{f"{prefix}agent_id": filters.agent_id})
    if filters.channel:
        q &= channel_q(f"{prefix}conversation__channel_account", filters.channel) & Q(
            **{f"{prefix}conversation__isnull": False})
    if filters.operator_id:
        q &= Q(Exists(SaleLine.objects.filter(sale_id=OuterRef(f"{prefix}pk"),
                                              product__operator_id=filters.operator_id)))
    return q


def sales(scope: Scope, filters: Filters) -> QuerySet[Sale]:
    """Validated sales sold in the range."""
    return Sale.objects.order_by().filter(_sales_q(scope, filters))


def sale_lines(scope: Scope, filters: Filters) -> QuerySet[SaleLine]:
    """The lines of those sales (with the operator filter: only that operator's products' lines)."""
    qs = SaleLine.objects.order_by().filter(_sales_q(scope, filters, "sale__"))
    if filters.operator_id:
        qs = qs.filter(product__operator_id=filters.operator_id)
    return qs


def commissions(scope: Scope, filters: Filters) -> QuerySet[Commission]:
    """Commissions on those sales (the agent's, whoever holds the sale)."""
    return Commission.objects.order_by().filter(_sales_q(scope, filters, "sale__"))


def tickets(scope: Scope, filters: Filters) -> QuerySet[Ticket]:
    """Tickets opened in the range."""
    qs = Ticket.objects.order_by().filter(in_span("created_at", filters))
    if not scope.everything:
        qs = qs.filter(scope.people_q("assignee") | Q(assignee__isnull=True, team_id__in=scope.team_ids))
    if filters.team_id:
        qs = qs.filter(Q(team_id=filters.team_id) | Q(team__isnull=True, assignee__team_id=filters.team_id))
    if filters.agent_id:
        qs = qs.filter(assignee_id=filters.agent_id)
    if filters.channel:
        qs = qs.filter(channel_q("conversation__channel_account", filters.channel), conversation__isnull=False)
    return qs


def _people_filtered(qs: QuerySet[Any], scope: Scope, filters: Filters, path: str) -> QuerySet[Any]:
    qs = qs.filter(scope.people_q(path))
    if filters.team_id:
        qs = qs.filter(**{f"{path}__team_id": filters.team_id})
    if filters.agent_id:
        qs = qs.filter(**{f"{path}_id": filters.agent_id})
    return qs


def calls(scope: Scope, filters: Filters) -> QuerySet[Call]:
    """Calls started in the range by an agent."""
    qs = Call.objects.order_by().filter(in_span("started_at", filters), agent__isnull=False)
    return _people_filtered(qs, scope, filters, "agent")


def audits(scope: Scope, filters: Filters) -> QuerySet[Audit]:
    """Quality audits sent in the range (drafts left out) that have a score."""
    qs = (Audit.objects.order_by().exclude(status=Audit.Status.DRAFT)
          .filter(in_span("submitted_at", filters), score__isnull=False))
    return _people_filtered(qs, scope, filters, "agent")


def csat_answers(scope: Scope, filters: Filters) -> QuerySet[CsatSurvey]:
    """Ratings answered in the range."""
    qs = CsatSurvey.objects.order_by().filter(in_span("answered_at", filters), state=CsatSurvey.State.ANSWERED,
                                              rating__isnull=False)
    if not scope.everything:
        qs = qs.filter(scope.people_q("agent") | Q(agent__isnull=True, team_id__in=scope.team_ids))
    if filters.team_id:
        qs = qs.filter(team_id=filters.team_id)
    if filters.agent_id:
        qs = qs.filter(agent_id=filters.agent_id)
    if filters.channel:
        qs = qs.filter(channel_q("conversation__channel_account", filters.channel))
    if filters.operator_id:
        qs = qs.filter(conversation__lead__operator_id=filters.operator_id)
    return qs


COUNTED_AGREEMENTS = Q(agreement__state__in=[PaymentAgreement.State.ACTIVE, PaymentAgreement.State.BROKEN,
                                             PaymentAgreement.State.FULFILLED])


def installments_due(scope: Scope, filters: Filters) -> QuerySet[Installment]:
    """Instalments falling due in the range, of agreements in force, fulfilled or broken (not drafts or
    cancelled ones): what debtors promised to pay in those days."""
    qs = Installment.objects.order_by().filter(COUNTED_AGREEMENTS, due_date__gte=filters.date_from,
                                               due_date__lte=filters.date_to)
    if not scope.everything:
        qs = qs.filter(scope.people_q("agreement__agent") | scope.people_q("agreement__debt__assignee"))
    if filters.team_id:
        qs = qs.filter(agreement__agent__team_id=filters.team_id)
    if filters.agent_id:
        qs = qs.filter(agreement__agent_id=filters.agent_id)
    if filters.operator_id:
        qs = qs.filter(agreement__debt__operator_id=filters.operator_id)
    return qs


def ai_requests(filters: Filters) -> QuerySet[AIRequest]:
    """Every AI request in the range: the spend is the company's, whoever looks."""
    return AIRequest.objects.order_by().filter(in_span("created_at", filters))
