"""Reads of contacts and leads, scoped to what the user's role may see (CONTRACT section 6)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404

from accounts.models import User
from accounts.policy import Queue, Reach, role_reach, scope_queryset, sees_queue
from core.params import parse_id
from leads.models import Contact, Lead
from leads.search import contact_search_q

# Unassigned leads wait for a supervisor to hand them out; an agent sees only their own (CONTRACT section 6).
LEAD_QUEUE = Queue.SUPERVISORS
# Contacts nobody has a lead for yet are an open queue, like unassigned conversations.
CONTACT_QUEUE = Queue.EVERYONE


def lead_visible_queryset(*, user: User) -> QuerySet[Lead]:
    return scope_queryset(Lead.objects.all(), user=user, agent_field="assignee", queue=LEAD_QUEUE)


@dataclass(frozen=True)
class LeadFilters:
    q: str = ""
    classification: str = ""
    status: str = ""
    source: str = ""
    assignee: str = ""  # a user id, or "me", or "none"; anything else is ignored
    operator: str = ""


def lead_list(*, user: User, filters: LeadFilters | None = None) -> QuerySet[Lead]:
    filters = filters or LeadFilters()
    qs = lead_visible_queryset(user=user).select_related("contact", "assignee", "operator", "product")
    if filters.classification:
        qs = qs.filter(classification=filters.classification.upper())
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.source:
        qs = qs.filter(source=filters.source)
    if filters.operator:
        operator_id = parse_id(filters.operator)
        qs = qs.filter(operator_id=operator_id) if operator_id else qs.filter(operator__slug=filters.operator)
    if filters.assignee == "me":
        qs = qs.filter(assignee=user)
    elif filters.assignee == "none":
        qs = qs.filter(assignee__isnull=True)
    elif (assignee_id := parse_id(filters.assignee)) is not None:
        qs = qs.filter(assignee_id=assignee_id)
    if filters.q:
        qs = qs.filter(contact_search_q(filters.q, prefix="contact__") | Q(product_interest__icontains=filters.q))
    return qs


def lead_get_for_user(*, user: User, lead_id: int) -> Lead:
    """The lead, or 404 when it does not exist or ``user`` may not see it."""
    try:
        return lead_list(user=user).get(pk=lead_id)
    except Lead.DoesNotExist as exc:
        raise Http404 from exc


def lead_counts_by_classification(*, user: User) -> dict[str, int]:
    rows = (
        lead_visible_queryset(user=user)
        .exclude(status__in=["won", "lost"])
        .values("classification")
        .annotate(n=Count("pk"))
    )
    return {row["classification"]: row["n"] for row in rows}


def contact_visible_queryset(*, user: User) -> QuerySet[Contact]:
    reach = role_reach(user)
    if reach is Reach.EVERYTHING:
        return Contact.objects.all()
    if reach is Reach.NOTHING:
        return Contact.objects.none()
    visible = Q(Exists(lead_visible_queryset(user=user).filter(contact=OuterRef("pk"))))
    if sees_queue(user, CONTACT_QUEUE):
        visible |= ~Exists(Lead.objects.filter(contact=OuterRef("pk")))
    return Contact.objects.filter(visible)


def contact_list(*, user: User, q: str = "", customer_type: str = "") -> QuerySet[Contact]:
    qs = contact_visible_queryset(user=user).annotate(lead_count=Count("leads"))
    if customer_type:
        qs = qs.filter(customer_type=customer_type)
    if q:
        qs = qs.filter(contact_search_q(q))
    return qs.order_by("-created_at", "-pk")


def contact_get_for_user(*, user: User, contact_id: int) -> Contact:
    """The contact with their leads (those the user may see), or 404."""
    from django.db.models import Prefetch

    leads = lead_visible_queryset(user=user).select_related("assignee", "operator", "product")
    try:
        return (
            contact_visible_queryset(user=user)
            .prefetch_related(Prefetch("leads", queryset=leads, to_attr="visible_leads"))
            .get(pk=contact_id)
        )
    except Contact.DoesNotExist as exc:
        raise Http404 from exc
