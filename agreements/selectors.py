"""Reads of debts and agreements, scoped by role (CONTRACT section 6).

Agents see the debts assigned to them and the agreements they made or whose debt they hold;
supervisors their team's (and unassigned debts, to hand them out); back office and admins all.
A record the user may not see is a 404.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import DecimalField, Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from accounts.models import Role, Team, User
from accounts.policy import Queue, Reach, role_reach, scope_queryset
from accounts.selectors import team_visible_queryset
from agreements.models import CollectionAction, ContactStatus, Debt, Installment, Payment, PaymentAgreement
from conversations.models import Conversation
from conversations.selectors import conversation_visible_queryset
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


# ---------------------------------------------------------------------------------------------
# The collector's screen: work list, one debt with its log, the calendar of follow-ups
# ---------------------------------------------------------------------------------------------
MONEY_FIELD = DecimalField(max_digits=12, decimal_places=2)


def _paid_subquery() -> Subquery:
    """Everything paid on a debt, over all its agreements (0 when nothing)."""
    paid = (
        Payment.objects.filter(agreement__debt=OuterRef("pk")).order_by()
        .values("agreement__debt").annotate(total=Sum("amount")).values("total")
    )
    return Subquery(paid, output_field=MONEY_FIELD)


def _with_money(qs: QuerySet[Debt]) -> QuerySet[Debt]:
    """``paid`` and ``outstanding`` on each debt, in the query (no row per payment)."""
    return qs.annotate(paid=Coalesce(_paid_subquery(), Value(Decimal("0")), output_field=MONEY_FIELD)).annotate(
        outstanding=F("original_amount") - F("paid")
    )


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


@dataclass(frozen=True)
class WorkFilters:
    status: str = ""  # a ContactStatus value
    campaign: str = ""
    q: str = ""
    due_today: bool = False  # a follow-up due today or earlier
    agent: str = ""  # a user id or "none" (supervisors)
    settled: bool = False  # also the debts nothing is owed on


def collection_work_list(*, user: User, filters: WorkFilters | None = None,
                         today: date | None = None) -> QuerySet[Debt]:
    """The debts a collector works (a supervisor: their teams' and the unassigned), with ``paid``,
    ``outstanding`` and ``open_agreements`` (the draft or active one, a list of at most one); the most urgent
    follow-up first, debts with none after."""
    filters = filters or WorkFilters()
    qs = _with_money(debt_list(user=user, filters=DebtFilters(campaign=filters.campaign, assignee=filters.agent,
                                                               q=filters.q)))
    if filters.status in ContactStatus.values:
        qs = qs.filter(contact_status=filters.status)
    if filters.due_today:
        tomorrow = (today or timezone.localdate()) + timedelta(days=1)
        qs = qs.filter(next_action_at__lt=_day_start(tomorrow))
    if not filters.settled:
        qs = qs.filter(outstanding__gt=0)
    return qs.prefetch_related(
        Prefetch("agreements", queryset=PaymentAgreement.objects.filter(state__in=PaymentAgreement.OPEN_STATES),
                 to_attr="open_agreements"),
    ).order_by(F("next_action_at").asc(nulls_last=True), "due_since", "pk")


def collection_campaigns(*, user: User) -> list[str]:
    """The campaigns of the debts ``user`` sees, for the work list's filter."""
    return list(
        debt_visible_queryset(user=user).exclude(campaign="").order_by("campaign")
        .values_list("campaign", flat=True).distinct()
    )


def collection_debt_get_for_user(*, user: User, debt_id: int) -> Debt:
    """One debt for its page: contact, agent, ``paid``/``outstanding``, its agreements (newest first, with
    instalments) and its actions (newest first); 404 when ``user`` may not see it."""
    try:
        return (
            _with_money(debt_list(user=user))
            .prefetch_related(
                Prefetch("agreements", queryset=PaymentAgreement.objects.select_related("agent").prefetch_related(
                    Prefetch("installments", queryset=Installment.objects.order_by("number")),
                ).order_by("-created_at", "-pk")),
                Prefetch("actions", queryset=CollectionAction.objects.select_related("agent")
                         .order_by("-created_at", "-pk")),
            )
            .get(pk=debt_id)
        )
    except Debt.DoesNotExist as exc:
        raise Http404 from exc


def collection_action_list(*, debt: Debt) -> QuerySet[CollectionAction]:
    """The actions on a debt the caller already may see (``debt_get_for_user``), newest first."""
    return CollectionAction.objects.filter(debt=debt).select_related("agent").order_by("-created_at", "-pk")


def debt_contact_conversation(*, user: User, debt: Debt) -> Conversation | None:
    """The debtor's latest conversation that ``user`` may open, for the link on the debt's page."""
    return (
        conversation_visible_queryset(user=user).filter(contact_id=debt.contact_id)
        .order_by(F("last_message_at").desc(nulls_last=True), "-pk").first()
    )


def debt_current_agreement(debt: Debt) -> PaymentAgreement | None:
    """The agreement payments go to: the draft or active one, else the latest broken one (prefetched on a debt
    from ``collection_debt_get_for_user``)."""
    agreements = list(debt.agreements.all())
    for agreement in agreements:
        if agreement.state in PaymentAgreement.OPEN_STATES:
            return agreement
    for agreement in agreements:
        if agreement.state == PaymentAgreement.State.BROKEN:
            return agreement
    return None


@dataclass(frozen=True)
class TimelineEntry:
    """One line of a debt's log: a collection action, an agreement made, or a payment received."""

    kind: str  # "action" | "agreement" | "payment"
    at: datetime
    action: CollectionAction | None = None
    agreement: PaymentAgreement | None = None
    payment: Payment | None = None


def collection_timeline(*, debt: Debt) -> list[TimelineEntry]:
    """A debt's log, newest first (``debt`` from ``collection_debt_get_for_user``)."""
    entries = [TimelineEntry(kind="action", at=a.created_at, action=a) for a in debt.actions.all()]
    entries += [TimelineEntry(kind="agreement", at=a.created_at, agreement=a) for a in debt.agreements.all()]
    payments = Payment.objects.filter(agreement__debt=debt).select_related("recorded_by", "agreement")
    entries += [TimelineEntry(kind="payment", at=p.paid_at, payment=p) for p in payments]
    return sorted(entries, key=lambda e: e.at, reverse=True)


# --- the calendar --------------------------------------------------------------------------------------------
FOLLOWUP = "followup"
PROMISE = "promise"
INSTALLMENT = "installment"


@dataclass(frozen=True)
class CalendarEntry:
    """Something due on the calendar: a follow-up (at a time), a promised payment or an instalment (on a day)."""

    kind: str  # FOLLOWUP | PROMISE | INSTALLMENT
    when: datetime | date
    debt: Debt
    contact_name: str
    amount: Decimal | None
    currency: str
    agent: User | None
    label: str = ""  # the next step, or "2/3" for an instalment

    @property
    def day(self) -> date:
        return timezone.localtime(self.when).date() if isinstance(self.when, datetime) else self.when

    @property
    def is_all_day(self) -> bool:
        return not isinstance(self.when, datetime)

    @property
    def hour(self) -> int | None:
        return timezone.localtime(self.when).hour if isinstance(self.when, datetime) else None


def calendar_teams(*, user: User) -> QuerySet[Team]:
    """The teams a supervisor (or admin, back office) may filter the calendar by; none for an agent."""
    if role_reach(user) < Reach.TEAMS:
        return Team.objects.none()
    return team_visible_queryset(user=user).order_by("name")


def calendar_agents(*, user: User, team_id: int | None = None) -> QuerySet[User]:
    """The collectors a supervisor may filter the calendar by (their teams' people); none for an agent."""
    if role_reach(user) < Reach.TEAMS:
        return User.objects.none()
    qs = scope_queryset(User.objects.filter(is_active=True, role__in=[Role.AGENT, Role.SUPERVISOR]),
                        user=user, agent_field="")
    if team_id is not None:
        qs = qs.filter(team_id=team_id)
    return qs.order_by("first_name", "username")


def _calendar_debts(user: User, team_id: int | None, agent_id: int | None) -> QuerySet[Debt]:
    debts = debt_visible_queryset(user=user)
    if team_id is not None:
        debts = debts.filter(assignee__team_id=team_id)
    if agent_id is not None:
        debts = debts.filter(assignee_id=agent_id)
    return debts


def collection_calendar(*, user: User, start: date, end: date, team_id: int | None = None,
                        agent_id: int | None = None) -> list[CalendarEntry]:
    """What is due from ``start`` to ``end`` (both included) on the debts ``user`` sees, by time:
    follow-ups (the next step of each debt's latest action), promised payments and unpaid instalments of
    agreements in force. A supervisor may narrow it to one of their teams or one person (the debt's agent)."""
    debts = _calendar_debts(user, team_id, agent_id)
    newer = CollectionAction.objects.filter(debt_id=OuterRef("debt_id"), created_at__gt=OuterRef("created_at"))
    actions = CollectionAction.objects.filter(debt__in=debts).select_related("debt__contact", "debt__assignee")
    entries: list[CalendarEntry] = []
    followups = actions.filter(
        next_step_at__gte=_day_start(start), next_step_at__lt=_day_start(end + timedelta(days=1))
    ).filter(~Exists(newer))
    for action in followups:
        entries.append(CalendarEntry(
            kind=FOLLOWUP, when=action.next_step_at, debt=action.debt,  # type: ignore[arg-type]
            contact_name=_contact_name(action.debt), amount=None, currency=action.debt.currency,
            agent=action.debt.assignee, label=action.next_step,
        ))
    promises = actions.filter(result=ContactStatus.PROMISE_TO_PAY, promised_date__gte=start, promised_date__lte=end)
    for action in promises:
        entries.append(CalendarEntry(
            kind=PROMISE, when=action.promised_date, debt=action.debt,  # type: ignore[arg-type]
            contact_name=_contact_name(action.debt), amount=action.promised_amount, currency=action.debt.currency,
            agent=action.debt.assignee,
        ))
    installments = Installment.objects.filter(
        agreement__debt__in=debts, agreement__state__in=PaymentAgreement.PAYABLE_STATES,
        state__in=Installment.UNPAID_STATES, due_date__gte=start, due_date__lte=end,
    ).select_related("agreement__debt__contact", "agreement__debt__assignee")
    for installment in installments:
        debt = installment.agreement.debt
        entries.append(CalendarEntry(
            kind=INSTALLMENT, when=installment.due_date, debt=debt, contact_name=_contact_name(debt),
            amount=installment.outstanding, currency=debt.currency, agent=debt.assignee,
            label=f"{installment.number}/{installment.agreement.number_of_installments}",
        ))
    order = {PROMISE: 0, INSTALLMENT: 1, FOLLOWUP: 2}
    return sorted(entries, key=lambda e: (e.day, e.hour if e.hour is not None else -1,
                                          _sort_time(e), order[e.kind], e.debt.pk))


def _sort_time(entry: CalendarEntry) -> datetime:
    return entry.when if isinstance(entry.when, datetime) else _day_start(entry.when)


def _contact_name(debt: Debt) -> str:
    return debt.contact.name or debt.contact.phone or str(debt)
