"""The figures, counted in the database (GROUP BY; a query or two each), as plain dicts.

What each figure means (the notes under the charts say it in short):

- **Leads**: leads created in the range, by temperature (HOT/WARM/COLD) and by stage (status).
- **Funnel**: of those leads, how many have a quote (any) and how many a validated sale (any date).
- **Sales**: validated sales sold in the range: count, revenue (their totals), commissions (on those sales);
  by local day, by sale type and by installation state (telecom types only: every type but retail).
  Amounts are summed as they are, in the site's currency (``DEFAULT_CURRENCY``).
- **Top products / operators**: asked = leads of the range interested in it; sold = units on the lines of
  the range's validated sales.
- **AI vs human**: conversations resolved in the range; resolved by the AI alone = no person ever wrote in them
  (``first_agent_reply_at`` empty). **Escalations**: conversations the AI handed over in the range, by reason.
- **Response times**: first response = ``first_response_at - created_at`` (person or AI) of the conversations
  created in the range; resolution = ``resolved_at - created_at`` of those resolved in the range; median and
  p90 in minutes (``percentile_cont``'s interpolation).
- **Peak hours**: customers' messages in the range by local weekday and hour.
- **Ticket SLA**: tickets opened in the range whose SLA outcome is known: breached (flagged, answered or solved
  after the due time, or still without an answer or a solution past it) or met (answered and solved in time).
  Compliance = met / known.
- **CSAT**: ratings answered in the range: average and count per mark.
- **AI spend**: the cost of every AI request in the range (company-wide) by month, against
  ``AI_MONTHLY_BUDGET_USD``.
- **Collections**: instalments due in the range (agreements active, fulfilled or broken): promised = their
  amounts, paid = what has been paid on them so far; recovery = paid / promised.
- **Leaderboard**: per agent in scope: leads and conversations they hold created in the range, validated sales
  and revenue, commissions, average quality score of the audits sent in the range, calls started, CSAT average.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Avg, Case, CharField, Count, F, IntegerField, Q, Sum, Value, When
from django.db.models.functions import TruncDate
from django.utils import timezone

from accounts.models import Role, User
from dashboard.analytics import sources
from dashboard.analytics.filters import Scope, day_start
from dashboard.analytics.grouping import grouped_by_sets
from dashboard.analytics.messages import day_runs, hour_counts
from dashboard.analytics.stats import duration_percentiles
from dashboard.models import AISpendDay
from dashboard.types import Filters
from leads.models import Classification, LeadStatus
from operators.models import Operator, Product
from sales.models import Quote, Sale, SaleType
from tickets.models import Priority

TOP = 10
ZERO = Decimal("0")


def money(value: Decimal | None) -> float:
    return float((value or ZERO).quantize(Decimal("0.01")))


def share(part: float, whole: float) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def days_of(filters: Filters) -> list[date]:
    return [filters.date_from + timedelta(days=i) for i in range((filters.date_to - filters.date_from).days + 1)]


def _local_day(field: str) -> TruncDate:
    return TruncDate(field, tzinfo=timezone.get_current_timezone())


# ---------------------------------------------------------------------------------------------
# Leads
# ---------------------------------------------------------------------------------------------
def lead_groups(scope: Scope, filters: Filters) -> list[dict[str, Any]]:
    """The range's leads in one GROUP BY (temperature, stage, product, operator, holder): ``n``, and how many of
    them have a quote (``quoted``) and a validated sale (``sold``). :func:`lead_figures` sums them into its counts,
    its funnel and what was asked for; the dashboard's leaderboard into each agent's leads.

    The steps test ``id IN (leads with a quote)``: PostgreSQL hashes that list once, where a correlated EXISTS
    probed an index per lead (and was costly enough to be JIT-compiled: 0.4 s over 50k leads). Grouped by ids
    only: the products' and operators' names are read afterwards for the few ids found (joining them to every
    lead cost a third of the query)."""
    quoted_ids = Quote.objects.order_by().filter(lead__isnull=False).values("lead_id")
    sold_ids = Sale.objects.order_by().filter(lead__isnull=False, status=Sale.Status.VALIDATED).values("lead_id")
    return list(sources.leads(scope, filters).values("classification", "status", "product_id", "operator_id",
                                                     "assignee_id")
                .annotate(n=Count("pk"), quoted=Count("pk", filter=Q(pk__in=quoted_ids)),
                          sold=Count("pk", filter=Q(pk__in=sold_ids))))


def lead_figures(scope: Scope, filters: Filters, *, groups: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """Counts by temperature and stage, the funnel, the top products and operators (``groups``: the
    :func:`lead_groups` already read, if any)."""
    groups = lead_groups(scope, filters) if groups is None else groups
    by_temperature = dict.fromkeys(Classification.values, 0)
    by_stage = dict.fromkeys(LeadStatus.values, 0)
    funnel = {"leads": 0, "quoted": 0, "sold": 0}
    for row in groups:
        by_temperature[row["classification"]] = by_temperature.get(row["classification"], 0) + row["n"]
        by_stage[row["status"]] = by_stage.get(row["status"], 0) + row["n"]
        funnel["leads"] += row["n"]
        funnel["quoted"] += row["quoted"]
        funnel["sold"] += row["sold"]
    funnel["quote_rate"] = share(funnel["quoted"], funnel["leads"])
    funnel["sale_rate"] = share(funnel["sold"], funnel["leads"])
    top_products, top_operators = _tops(groups, sources.sale_lines(scope, filters))
    return {"total": funnel["leads"], "by_temperature": by_temperature, "by_stage": by_stage, "funnel": funnel,
            "top_products": top_products, "top_operators": top_operators}


def _ranked(rows: dict[int, dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(rows.values(), key=lambda r: (-(r["asked"] + r["sold"]), -r["sold"], r["name"], r["id"]))[:TOP]


def _tops(asked: list[dict[str, Any]], lines: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The products and the operators most asked for (``asked``: the leads' groups by product and operator) or
    sold (units by product; each product has its operator): ``{id, name, asked, sold}``, top ``TOP`` each. Two
    queries: the units sold, then the names of every product and operator met (one UNION)."""
    asked_products: dict[int, int] = defaultdict(int)
    asked_operators: dict[int, int] = defaultdict(int)
    for row in asked:
        if row["product_id"] is not None:
            asked_products[row["product_id"]] += row["n"]
        if row["operator_id"] is not None:
            asked_operators[row["operator_id"]] += row["n"]
    sold_products = {row["product_id"]: row["n"] or 0 for row in lines.filter(product__isnull=False)
                     .values("product_id").annotate(n=Sum("quantity"))}
    product_ids = set(asked_products) | set(sold_products)
    if not (product_ids or asked_operators):
        return [], []
    # (kind, id, name, the product's operator id, its name): products with their operators, then the operators
    # asked for.
    names = (Product.objects.order_by().filter(pk__in=product_ids)
             .values_list(Value("product"), "pk", "name", "operator_id", "operator__name")
             .union(Operator.objects.order_by().filter(pk__in=list(asked_operators))
                    .values_list(Value("operator"), "pk", "name", Value(None, output_field=IntegerField()),
                                 Value(None, output_field=CharField())), all=True))
    products: dict[int, dict[str, Any]] = {}
    operators: dict[int, dict[str, Any]] = {}

    def entry(found: dict[int, dict[str, Any]], key: int, name: str) -> dict[str, Any]:
        return found.setdefault(key, {"id": key, "name": name, "asked": 0, "sold": 0})

    for kind, key, name, operator_id, operator_name in names:
        if kind == "operator":
            entry(operators, key, name)["asked"] += asked_operators[key]
            continue
        sold = sold_products.get(key, 0)
        entry(products, key, name).update(asked=asked_products.get(key, 0), sold=sold)
        if operator_id is not None and key in sold_products:
            entry(operators, operator_id, operator_name)["sold"] += sold
    return _ranked(products), _ranked(operators)


# ---------------------------------------------------------------------------------------------
# Sales, commissions, telecom
# ---------------------------------------------------------------------------------------------
def sale_groups(scope: Scope, filters: Filters, *, by_agent: bool = False) -> dict[str, list[dict[str, Any]]]:
    """The range's validated sales (``n``, ``revenue``) grouped by local day (``sales_by_day``) and by type and
    installation state (``sales_by_type``), their commissions (``amount``) by local day (``commissions``); with
    ``by_agent`` (the dashboard, whose leaderboard counts each agent's from here) also the sales by agent
    (``sales_by_agent``) and the commissions by the agent they are for (``commissions_by_agent``). Two queries on
    PostgreSQL (grouping sets), one per grouping elsewhere."""
    sales = sources.sales(scope, filters).annotate(day=_local_day("sold_at"))
    commissions = sources.commissions(scope, filters).annotate(day=_local_day("sale__sold_at"))
    sale_sets: list[tuple[str, ...]] = [("day",), ("sale_type", "installation_state")]
    commission_sets: list[tuple[str, ...]] = [("day",)]
    if by_agent:
        sale_sets.append(("agent_id",))
        commission_sets.append(("agent_id",))
    found = grouped_by_sets(sales, sale_sets, n=Count("pk"), revenue=Sum("total"))
    paid = grouped_by_sets(commissions, commission_sets, amount=Sum("amount"))
    groups = {"sales_by_day": found[0], "sales_by_type": found[1], "commissions": paid[0]}
    if by_agent:
        groups |= {"sales_by_agent": found[2], "commissions_by_agent": paid[1]}
    return groups


def sale_figures(scope: Scope, filters: Filters, *, groups: dict[str, list[dict[str, Any]]] | None = None,
                 ) -> dict[str, Any]:
    """``groups``: :func:`sale_groups` already read (the dashboard's), if any."""
    groups = sale_groups(scope, filters) if groups is None else groups
    per_day: dict[date, dict[str, Any]] = {day: {"sales": 0, "revenue": ZERO, "commissions": ZERO}
                                           for day in days_of(filters)}
    by_type = {value: {"sales": 0, "revenue": ZERO} for value in SaleType.values}
    installation = dict.fromkeys(Sale.InstallationState.values, 0)
    for row in groups["sales_by_day"]:
        entry = per_day.setdefault(row["day"], {"sales": 0, "revenue": ZERO, "commissions": ZERO})
        entry["sales"] += row["n"]
        entry["revenue"] += row["revenue"] or ZERO
    for row in groups["sales_by_type"]:
        kind = by_type.setdefault(row["sale_type"], {"sales": 0, "revenue": ZERO})
        kind["sales"] += row["n"]
        kind["revenue"] += row["revenue"] or ZERO
        if row["sale_type"] != SaleType.RETAIL:
            installation[row["installation_state"]] = installation.get(row["installation_state"], 0) + row["n"]
    for row in groups["commissions"]:
        per_day.setdefault(row["day"], {"sales": 0, "revenue": ZERO, "commissions": ZERO})["commissions"] = \
            row["amount"] or ZERO
    days = sorted(per_day)
    return {
        "currency": settings.DEFAULT_CURRENCY,
        "sales": sum(per_day[d]["sales"] for d in days),
        "revenue": money(sum((per_day[d]["revenue"] for d in days), ZERO)),
        "commissions": money(sum((per_day[d]["commissions"] for d in days), ZERO)),
        "by_day": [{"day": d.isoformat(), "sales": per_day[d]["sales"], "revenue": money(per_day[d]["revenue"]),
                    "commissions": money(per_day[d]["commissions"])} for d in days],
        "by_type": [{"sale_type": key, "sales": value["sales"], "revenue": money(value["revenue"])}
                    for key, value in by_type.items()],
        "installation_states": [{"state": key, "sales": value} for key, value in installation.items()],
    }


# ---------------------------------------------------------------------------------------------
# Conversations, response times, peak hours
# ---------------------------------------------------------------------------------------------
def conversation_counts(scope: Scope, filters: Filters) -> dict[str, Any]:
    """The range's conversations counted in one GROUP BY (holder, escalation reason): ``totals`` (created, on
    Instagram and WhatsApp, resolved, resolved by the AI alone, escalated), ``escalation_reasons`` and
    ``by_agent`` (conversations created in the range per holder: the leaderboard's). Counted apart from the
    service times' percentiles: an ordered-set aggregate keeps PostgreSQL to one process, where the counts are
    split between workers."""
    qs = sources.conversations(scope, filters)
    created, resolved, escalated = (sources.in_span(f, filters) for f in ("created_at", "resolved_at",
                                                                           "escalated_at"))
    resolved_q = resolved & Q(status="resolved")
    reason = Case(When(escalated, then=F("escalation_reason")), default=Value(None), output_field=CharField())
    rows = (qs.filter(created | resolved_q | escalated).annotate(reason=reason).values("assignee_id", "reason")
            .annotate(conversations=Count("pk", filter=created),
                      instagram=Count("pk", filter=created & sources.channel_account_q("channel_account",
                                                                                       "instagram")),
                      resolved=Count("pk", filter=resolved_q),
                      ai_resolved=Count("pk", filter=resolved_q & Q(first_agent_reply_at__isnull=True)),
                      escalated=Count("pk", filter=escalated)))
    totals = dict.fromkeys(("conversations", "whatsapp", "instagram", "resolved", "ai_resolved", "escalated"), 0)
    reasons: dict[str, int] = defaultdict(int)
    by_agent: dict[int, int] = defaultdict(int)
    for row in rows:
        for key in ("conversations", "instagram", "resolved", "ai_resolved", "escalated"):
            totals[key] += row[key]
        if row["escalated"]:
            reasons[row["reason"] or ""] += row["escalated"]
        if row["assignee_id"] is not None and row["conversations"]:
            by_agent[row["assignee_id"]] += row["conversations"]
    totals["whatsapp"] = totals["conversations"] - totals["instagram"]  # every number is on one of the two
    totals["ai_resolved_share"] = share(totals["ai_resolved"], totals["resolved"])
    return {"totals": totals, "by_agent": dict(by_agent),
            "escalation_reasons": [{"reason": key, "conversations": n}
                                   for key, n in sorted(reasons.items(), key=lambda item: (-item[1], item[0]))]}


def conversation_figures(scope: Scope, filters: Filters, *, use_rollup: bool = True,
                         counts: dict[str, Any] | None = None) -> dict[str, Any]:
    """``counts``: :func:`conversation_counts` already read (the dashboard's), if any."""
    counts = conversation_counts(scope, filters) if counts is None else counts
    created, resolved = (sources.in_span(f, filters) for f in ("created_at", "resolved_at"))
    resolved_q = resolved & Q(status="resolved")
    times = duration_percentiles(sources.conversations(scope, filters), {
        "first_response": ("created_at", "first_response_at", created),
        "resolution": ("created_at", "resolved_at", resolved_q),
    })
    heat = [[0] * 24 for _weekday in range(7)]
    senders: dict[str, int] = defaultdict(int)
    for (weekday, hour, sender), n in hour_counts(scope, filters, use_rollup=use_rollup).items():
        senders[sender] += n
        if sender == "customer":
            heat[weekday - 1][hour] += n
    return {
        "totals": counts["totals"],
        "escalation_reasons": counts["escalation_reasons"],
        "first_response": times["first_response"],
        "resolution": times["resolution"],
        "messages": {sender: senders.get(sender, 0) for sender in ("customer", "ai", "agent", "system")},
        "peak_hours": heat,
    }


# ---------------------------------------------------------------------------------------------
# Tickets, CSAT, AI spend, collections
# ---------------------------------------------------------------------------------------------
def ticket_figures(scope: Scope, filters: Filters, *, now: Any = None) -> dict[str, Any]:
    now = now or timezone.now()
    first_late = (Q(is_first_response_breached=True)
                  | Q(first_responded_at__isnull=False, first_response_due_at__isnull=False,
                      first_responded_at__gt=F("first_response_due_at"))
                  | Q(first_responded_at__isnull=True, first_response_due_at__lt=now))
    solve_late = (Q(is_resolution_breached=True)
                  | Q(resolved_at__isnull=False, resolution_due_at__isnull=False,
                      resolved_at__gt=F("resolution_due_at"))
                  | Q(resolved_at__isnull=True, resolution_due_at__lt=now))
    breached = first_late | solve_late
    met = ~breached & Q(first_responded_at__isnull=False, resolved_at__isnull=False) & (
        Q(first_response_due_at__isnull=False) | Q(resolution_due_at__isnull=False))
    by_priority = {value: {"met": 0, "breached": 0, "open": 0} for value in Priority.values}
    for row in sources.tickets(scope, filters).values("priority").annotate(
            met=Count("pk", filter=met), breached=Count("pk", filter=breached), total=Count("pk")):
        by_priority[row["priority"]] = {"met": row["met"], "breached": row["breached"],
                                        "open": row["total"] - row["met"] - row["breached"]}
    met_total = sum(v["met"] for v in by_priority.values())
    breached_total = sum(v["breached"] for v in by_priority.values())
    return {"by_priority": by_priority, "met": met_total, "breached": breached_total,
            "open": sum(v["open"] for v in by_priority.values()),
            "compliance": share(met_total, met_total + breached_total)}


def csat_groups(scope: Scope, filters: Filters) -> list[dict[str, Any]]:
    """The range's ratings counted by (agent, mark): :func:`csat_figures` sums them per mark, the dashboard's
    leaderboard per agent."""
    return list(sources.csat_answers(scope, filters).values("agent_id", "rating").annotate(n=Count("pk")))


def csat_figures(scope: Scope, filters: Filters, *, groups: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """``groups``: :func:`csat_groups` already read (the dashboard's); else the ratings are counted per mark."""
    distribution = dict.fromkeys(range(1, 6), 0)
    if groups is None:
        groups = list(sources.csat_answers(scope, filters).values("rating").annotate(n=Count("pk")))
    for row in groups:
        distribution[row["rating"]] += row["n"]
    answered = sum(distribution.values())
    average = sum(mark * n for mark, n in distribution.items()) / answered if answered else None
    return {"answered": answered, "average": None if average is None else round(average, 2),
            "distribution": distribution}


def monthly_budget() -> Decimal | None:
    raw = str(getattr(settings, "AI_MONTHLY_BUDGET_USD", "") or "").strip()
    try:
        budget = Decimal(raw)
    except ArithmeticError:
        return None
    return budget if budget > 0 else None


def ai_spend_figures(filters: Filters, *, use_rollup: bool = True) -> dict[str, Any]:
    """Closed days rolled up from ``AISpendDay`` (a row a day), the others (today) from the requests."""
    months: dict[date, Decimal] = {}
    first = filters.date_from.replace(day=1)
    while first <= filters.date_to:
        months[first] = ZERO
        first = (first + timedelta(days=32)).replace(day=1)
    rolled: dict[date, Decimal] = {}
    if use_rollup:
        rolled = dict(AISpendDay.objects.filter(day__gte=filters.date_from, day__lte=filters.date_to,
                                                day__lt=timezone.localdate()).values_list("day", "cost_usd"))
    for day, cost in rolled.items():
        months[day.replace(day=1)] += cost
    live = [day for day in days_of(filters) if day not in rolled]
    if live:
        when = Q()
        for run_first, run_last in day_runs(live):
            when |= Q(created_at__gte=day_start(run_first), created_at__lt=day_start(run_last + timedelta(days=1)))
        # One sum per month, each over its local month's instants: no time-zone conversion per request (twice as
        # fast as grouping by the truncated month over 100k requests); only the months that have live days.
        starts = sorted({day.replace(day=1) for day in live})
        sums = {f"m{i}": Sum("cost_usd", filter=Q(
            created_at__gte=day_start(month), created_at__lt=day_start((month + timedelta(days=32)).replace(day=1))))
            for i, month in enumerate(starts)}
        found = sources.ai_requests(filters).filter(when).aggregate(**sums)
        for i, month in enumerate(starts):
            months[month] += found[f"m{i}"] or ZERO
    budget = monthly_budget()
    spend = sum(months.values(), ZERO)
    return {
        "spend_usd": round(float(spend), 4),
        "monthly_budget_usd": None if budget is None else float(budget),
        "by_month": [{"month": m.strftime("%Y-%m"), "spend_usd": round(float(v), 4)}
                     for m, v in sorted(months.items())],
    }


def collection_figures(scope: Scope, filters: Filters) -> dict[str, Any]:
    per_day = {day: {"promised": ZERO, "paid": ZERO} for day in days_of(filters)}
    for row in sources.installments_due(scope, filters).values("due_date").annotate(
            promised=Sum("amount"), paid=Sum("paid_amount")):
        per_day[row["due_date"]] = {"promised": row["promised"] or ZERO, "paid": row["paid"] or ZERO}
    promised = sum((v["promised"] for v in per_day.values()), ZERO)
    paid = sum((v["paid"] for v in per_day.values()), ZERO)
    return {"currency": settings.DEFAULT_CURRENCY, "promised": money(promised), "paid": money(paid),
            "recovery": share(float(paid), float(promised)),
            "by_day": [{"day": d.isoformat(), "promised": money(v["promised"]), "paid": money(v["paid"])}
                       for d, v in sorted(per_day.items())]}


# ---------------------------------------------------------------------------------------------
# Leaderboard
# ---------------------------------------------------------------------------------------------
def leaderboard(scope: Scope, filters: Filters, *, lead_groups: list[dict[str, Any]] | None = None,
                conversations: dict[int, int] | None = None, sales: dict[str, list[dict[str, Any]]] | None = None,
                csat: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """``lead_groups``: :func:`lead_groups` already read (the dashboard's), to count each agent's leads from;
    ``conversations``: the ``by_agent`` counts of :func:`conversation_counts`; ``sales``: :func:`sale_groups` read
    ``by_agent``; ``csat``: :func:`csat_groups`; likewise."""
    people = User.objects.filter(role=Role.AGENT, is_active=True)
    if not scope.everything:
        people = people.filter(team_id__in=scope.team_ids)
    if filters.team_id:
        people = people.filter(team_id=filters.team_id)
    if filters.agent_id:
        people = people.filter(pk=filters.agent_id)
    rows = {u.pk: {"agent_id": u.pk, "agent": str(u), "leads": 0, "conversations": 0, "sales": 0, "revenue": 0.0,
                   "commissions": 0.0, "quality_score": None, "calls": 0, "csat": None, "csat_answers": 0}
            for u in people.only("pk", "username", "first_name", "last_name")}
    if not rows:
        return []

    def put(qs: Any, field: str, **figures: Any) -> list[dict[str, Any]]:
        return list(qs.filter(**{f"{field}__in": list(rows)}).values(field).annotate(**figures))

    if lead_groups is None:
        for row in put(sources.leads(scope, filters), "assignee_id", n=Count("pk")):
            rows[row["assignee_id"]]["leads"] = row["n"]
    else:
        for row in lead_groups:
            if row["assignee_id"] in rows:
                rows[row["assignee_id"]]["leads"] += row["n"]
    if conversations is None:
        conversations = {row["assignee_id"]: row["n"] for row in put(
            sources.conversations(scope, filters).filter(sources.in_span("created_at", filters)), "assignee_id",
            n=Count("pk"))}
    for agent_id, n in conversations.items():
        if agent_id in rows:
            rows[agent_id]["conversations"] = n
    if sales is None:
        sales = {"sales_by_agent": put(sources.sales(scope, filters), "agent_id", n=Count("pk"), revenue=Sum("total")),
                 "commissions_by_agent": put(sources.commissions(scope, filters), "agent_id", amount=Sum("amount"))}
    for row in sales["sales_by_agent"]:
        if row["agent_id"] in rows:
            rows[row["agent_id"]].update(sales=row["n"], revenue=money(row["revenue"]))
    for row in sales["commissions_by_agent"]:
        if row["agent_id"] in rows:
            rows[row["agent_id"]]["commissions"] = money(row["amount"])
    for row in put(sources.audits(scope, filters), "agent_id", score=Avg("score")):
        rows[row["agent_id"]]["quality_score"] = None if row["score"] is None else round(float(row["score"]), 1)
    for row in put(sources.calls(scope, filters), "agent_id", n=Count("pk")):
        rows[row["agent_id"]]["calls"] = row["n"]
    if csat is None:
        for row in put(sources.csat_answers(scope, filters), "agent_id", avg=Avg("rating"), n=Count("pk")):
            rows[row["agent_id"]].update(csat=round(float(row["avg"]), 2), csat_answers=row["n"])
    else:
        marks: dict[int, list[int]] = defaultdict(lambda: [0, 0])  # agent → [sum of the marks, answers]
        for row in csat:
            if row["agent_id"] in rows:
                marks[row["agent_id"]][0] += row["rating"] * row["n"]
                marks[row["agent_id"]][1] += row["n"]
        for agent_id, (total, n) in marks.items():
            rows[agent_id].update(csat=round(total / n, 2), csat_answers=n)
    return sorted(rows.values(), key=lambda r: (-r["revenue"], -r["sales"], -r["conversations"], r["agent"],
                                                 r["agent_id"]))

