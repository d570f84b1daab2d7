"""Reads of debts and agreements, scoped by role (CONTRACT section 6).

Agents see the debts assigned to them and the agreements they made or whose debt they hold;
supervisors their team's (and unassigned debts, to hand them out); back office and admins all.
A record the user may not see is a 404.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from accounts.models import User
from accounts.policy import Queue, scope_queryset
from agreements.models import Debt, Installment, Payment, PaymentAgreement
from core.params import parse_id
from leads.search import contact_search_q

# Unassigned debts wait for a supervisor to hand them out; an agent sees only the ones they hold.
DEBT_QUEUE = Queue.SUPERVISORS


def debt_visible_queryset(*, user: User) -> QuerySet[Debt]:
    return scope_queryset(Debt.objects.all(), user=user, agent_field="assignee", queue=DEBT_QUEUE)


@dataclass(frozen=True)
class DebtFilters:
    campaign: str = ""
    assignee: str = ""  # a user id, "me" or "none"
    q: str = ""


def debt_list(*, user: User, filters: DebtFilters | None = None) -> QuerySet[Debt]:
    filters = filters or DebtFilters()
    qs = debt_visible_queryset(user=user).select_related("contact", "operator", "assignee")
    if filters.campaign:
        qs = qs.filter(campaign=filters.campaign)
    if filters.assignee == "me":
        qs = qs.filter(assignee=user)
    elif filters.assignee == "none":
        qs = qs.filter(assignee__isnull=True)
    elif (assignee_id := parse_id(filters.assignee)) is not None:
        qs = qs.filter(assignee_id=assignee_id)
    if filters.q:
        qs = qs.filter(Q(reference__icontains=filters.q) | contact_search_q(filters.q, prefix="contact__"))
    return qs.order_by("-created_at", "-pk")


def debt_get_for_user(*, user: User, debt_id: int) -> Debt:
    try:
        return debt_list(user=user).get(pk=debt_id)
    except Debt.DoesNotExist as exc:
        raise Http404 from exc


def agreement_visible_queryset(*, user: User) -> QuerySet[PaymentAgreement]:
    """Agreements made by, or on a debt held by, someone the user oversees (themselves for an agent), and for
    supervisors the agreements on unassigned debts."""
    return scope_queryset(PaymentAgreement.objects.all(), user=user, agent_field=("agent", "debt__assignee"),
                          queue=DEBT_QUEUE, queue_field="debt__assignee")


@dataclass(frozen=True)
class AgreementFilters:
    state: str = ""
    campaign: str = ""
    agent: str = ""  # a user id or "me"
    debt: int | None = None


def agreement_list(*, user: User, filters: AgreementFilters | None = None) -> QuerySet[PaymentAgreement]:
    filters = filters or AgreementFilters()
    qs = agreement_visible_queryset(user=user).select_related("debt__contact", "debt__operator", "agent")
    if filters.state:
        qs = qs.filter(state=filters.state)
    if filters.campaign:
        qs = qs.filter(debt__campaign=filters.campaign)
    if filters.agent == "me":
        qs = qs.filter(agent=user)
    elif (agent_id := parse_id(filters.agent)) is not None:
        qs = qs.filter(agent_id=agent_id)
    if filters.debt is not None:
        qs = qs.filter(debt_id=filters.debt)
    return qs.order_by("-created_at", "-pk")


def agreement_get_for_user(*, user: User, agreement_id: int) -> PaymentAgreement:
    """The agreement with its instalments and payments, or 404 when ``user`` may not see it."""
    try:
        return (
            agreement_list(user=user)
            .prefetch_related(
                Prefetch("installments", queryset=Installment.objects.order_by("number")),
                Prefetch("payments", queryset=Payment.objects.select_related("recorded_by").order_by("paid_at", "pk")),
            )
            .get(pk=agreement_id)
        )
    except PaymentAgreement.DoesNotExist as exc:
        raise Http404 from exc
