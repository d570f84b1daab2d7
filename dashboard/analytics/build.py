"""The dashboard's figures as charts, KPI cards and the leaderboard (``dashboard.types``), and the four analytics
endpoints' JSON. Each answer is cached briefly (``CACHE_SECONDS``) under its user's scope, the filters and the
language."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import get_language, gettext_noop
from django.utils.translation import gettext as _

from accounts.models import User
from core.money import format_money
from dashboard.analytics import figures
from dashboard.analytics.filters import Scope, analytics_allowed, sales_analytics_allowed, scope_for
from dashboard.presenters import format_minutes, format_value
from dashboard.types import Chart, Column, DashboardData, Filters, Kpi, Series, Table
from leads.models import Classification, LeadStatus
from sales.models import Sale, SaleType
from tickets.models import Priority

CACHE_SECONDS = 60
T = TypeVar("T")


def _cached(kind: str, scope: Scope, filters: Filters, compute: Callable[[], T], *, use_cache: bool) -> T:
    if not use_cache:
        return compute()
    raw = f"{kind}|{scope.key}|{filters!r}|{get_language()}|{timezone.localdate()}"
    key = "dashboard:analytics:" + hashlib.sha256(raw.encode()).hexdigest()[:32]
    found = cache.get(key)
    if found is None:
        found = compute()
        cache.set(key, found, CACHE_SECONDS)
    return found


def _filters_json(filters: Filters) -> dict[str, Any]:
    return {"from": filters.date_from.isoformat(), "to": filters.date_to.isoformat(), "team": filters.team_id,
            "agent": filters.agent_id, "channel": filters.channel, "operator": filters.operator_id}


def _require(user: User, allowed: Callable[[User], bool]) -> Scope:
    if not allowed(user):
        raise PermissionDenied(_("The dashboard is for supervisors and admins."))
    return scope_for(user)


# ---------------------------------------------------------------------------------------------
# The endpoints' JSON
# ---------------------------------------------------------------------------------------------
def _conversations(scope: Scope, filters: Filters, use_rollup: bool = True) -> dict[str, Any]:
    found = figures.conversation_figures(scope, filters, use_rollup=use_rollup)
    return {"filters": _filters_json(filters), **found, "tickets": figures.ticket_figures(scope, filters),
            "csat": figures.csat_figures(scope, filters),
            "ai_spend": figures.ai_spend_figures(filters, use_rollup=use_rollup)}


def conversations_analytics(*, user: User, filters: Filters, use_cache: bool = True,
                            use_rollup: bool = True) -> dict[str, Any]:
    """Conversations: counts, AI vs human, escalation reasons, first-response and resolution times (median,
    p90), messages by sender, the peak-hours matrix (``peak_hours[weekday 0=Monday][hour]``), ticket SLA, CSAT and
    AI spend."""
    scope = _require(user, analytics_allowed)
    return _cached(f"conversations:{use_rollup}", scope, filters,
                   lambda: _conversations(scope, filters, use_rollup), use_cache=use_cache)


def leads_analytics(*, user: User, filters: Filters, use_cache: bool = True) -> dict[str, Any]:
    """Leads: by temperature and stage, the funnel (lead → quote → sale), top products and operators."""
    scope = _require(user, analytics_allowed)
    return _cached("leads", scope, filters,
                   lambda: {"filters": _filters_json(filters), **figures.lead_figures(scope, filters)},
                   use_cache=use_cache)


def agents_analytics(*, user: User, filters: Filters, use_cache: bool = True) -> dict[str, Any]:
    """The agents' leaderboard."""
    scope = _require(user, analytics_allowed)
    return _cached("agents", scope, filters,
                   lambda: {"filters": _filters_json(filters), "agents": figures.leaderboard(scope, filters)},
                   use_cache=use_cache)


def sales_analytics(*, user: User, filters: Filters, use_cache: bool = True) -> dict[str, Any]:
    """Sales, revenue and commissions by day, telecom sale types and installation states, collections."""
    scope = _require(user, sales_analytics_allowed)
    return _cached("sales", scope, filters,
                   lambda: {"filters": _filters_json(filters), **figures.sale_figures(scope, filters),
                            "collections": figures.collection_figures(scope, filters)},
                   use_cache=use_cache)


# ---------------------------------------------------------------------------------------------
# The dashboard
# ---------------------------------------------------------------------------------------------
ESCALATION_REASONS = {
    "complaint": gettext_noop("Complaint"),
    "human_request": gettext_noop("Asked for a person"),
    "negative_sentiment": gettext_noop("Upset customer"),
    "ai_failure": gettext_noop("AI failure"),
    "low_confidence": gettext_noop("AI unsure"),
    "support_issue": gettext_noop("Support issue"),
    "policy_unknown": gettext_noop("Question the AI could not answer"),
    "send_unknown": gettext_noop("A message may not have been sent"),
}


def _reason_label(code: str) -> str:
    if not code:
        return _("Not recorded")
    label = ESCALATION_REASONS.get(code)
    return _(label) if label else code


def _weekday_names() -> list[str]:
    return [_("Monday"), _("Tuesday"), _("Wednesday"), _("Thursday"), _("Friday"), _("Saturday"), _("Sunday")]


def _count(n: int | None) -> str:
    return format_value(n or 0, "count")


def _minutes_hint(found: dict[str, Any]) -> str:
    """ "p90 17 d 1 h · 1,204 conversations": the 90th percentile written like the KPI's own value."""
    if found["p90"] is None:
        return ""
    return _("p90 %(p90)s · %(count)s conversations") % {"p90": format_minutes(found["p90"]),
                                                          "count": _count(found["count"])}


def _build(scope: Scope, filters: Filters, use_rollup: bool) -> DashboardData:  # noqa: PLR0915 - one layout
    counts = figures.conversation_counts(scope, filters)  # the totals and the leaderboard's, in one query
    conv = figures.conversation_figures(scope, filters, use_rollup=use_rollup, counts=counts)
    lead_groups = figures.lead_groups(scope, filters)  # the leads' counts and the leaderboard's, in one query
    leads = figures.lead_figures(scope, filters, groups=lead_groups)
    sale_groups = figures.sale_groups(scope, filters, by_agent=True)  # with the leaderboard's, in two queries
    sales = figures.sale_figures(scope, filters, groups=sale_groups)
    tickets = figures.ticket_figures(scope, filters)
    csat_groups = figures.csat_groups(scope, filters)  # the marks and the leaderboard's, in one query
    csat = figures.csat_figures(scope, filters, groups=csat_groups)
    spend = figures.ai_spend_figures(filters, use_rollup=use_rollup)
    collections = figures.collection_figures(scope, filters)
    board = figures.leaderboard(scope, filters, lead_groups=lead_groups, conversations=counts["by_agent"],
                                sales=sale_groups, csat=csat_groups)
    currency = sales["currency"]
    totals = conv["totals"]
    budget = spend["monthly_budget_usd"]

    kpis = [
        Kpi("leads_total", _("Leads"), leads["total"]),
        Kpi("leads_hot", _("Hot leads"), leads["by_temperature"].get(Classification.HOT, 0)),
        Kpi("conversations_total", _("Conversations"), totals["conversations"],
            hint=_("%(n)s resolved") % {"n": _count(totals["resolved"])}),
        Kpi("ai_resolved_share", _("Resolved by the AI alone"), totals["ai_resolved_share"], unit="percent",
            hint=_("%(ai)s of %(all)s resolved") % {"ai": _count(totals["ai_resolved"]),
                                                      "all": _count(totals["resolved"])}),
        Kpi("first_response_median", _("First response (median)"), conv["first_response"]["median"],
            unit="minutes", hint=_minutes_hint(conv["first_response"])),
        Kpi("resolution_median", _("Resolution (median)"), conv["resolution"]["median"], unit="minutes",
            hint=_minutes_hint(conv["resolution"])),
        Kpi("sales_count", _("Sales"), sales["sales"]),
        Kpi("revenue", _("Revenue"), sales["revenue"], unit="money", currency=currency),
        Kpi("commissions", _("Commissions"), sales["commissions"], unit="money", currency=currency),
        Kpi("ticket_sla_compliance", _("Ticket SLA met"), tickets["compliance"], unit="percent",
            hint=_("%(met)s met, %(breached)s breached") % {"met": _count(tickets["met"]),
                                                              "breached": _count(tickets["breached"])}),
        Kpi("csat_average", _("Satisfaction (CSAT)"), csat["average"], unit="score",
            hint=_("%(n)s answers") % {"n": _count(csat["answered"])}),
        Kpi("ai_spend", _("AI spend"), spend["spend_usd"], unit="usd",
            hint=(_("Budget %(budget)s a month") % {"budget": format_money(budget, "USD")}) if budget
            else _("No budget set")),
        Kpi("collections_recovery", _("Collections recovered"), collections["recovery"], unit="percent",
            hint=_("%(paid)s of %(promised)s") % {"paid": format_money(collections["paid"], collections["currency"]),
                                                   "promised": format_money(collections["promised"],
                                                                            collections["currency"])}),
    ]

    day_labels = [row["day"] for row in sales["by_day"]]
    temperature_labels = [str(label) for label in Classification.labels]
    top_products, top_operators = leads["top_products"], leads["top_operators"]
    by_type = {row["sale_type"]: row for row in sales["by_type"]}
    telecom_types = [value for value in SaleType.values if value != SaleType.RETAIL]
    priorities = list(tickets["by_priority"])
    priority_labels = dict(Priority.choices)
    charts = [
        Chart("leads_by_temperature", _("Leads by temperature"), "doughnut", temperature_labels,
              [Series(_("Leads"), [leads["by_temperature"].get(v, 0) for v in Classification.values])],
              note=_("Leads created in the range.")),
        Chart("leads_by_stage", _("Leads by stage"), "bar", [str(label) for label in LeadStatus.labels],
              [Series(_("Leads"), [leads["by_stage"].get(v, 0) for v in LeadStatus.values])],
              note=_("Leads created in the range, by where they stand now.")),
        Chart("funnel", _("Conversion funnel"), "funnel", [_("Leads"), _("Quoted"), _("Sold")],
              [Series(_("Leads"), [leads["funnel"]["leads"], leads["funnel"]["quoted"], leads["funnel"]["sold"]])],
              note=_("Of the leads created in the range: those with a quote, and those with a validated sale.")),
        Chart("revenue_by_day", _("Revenue and commissions"), "bar", day_labels,
              [Series(_("Revenue"), [row["revenue"] for row in sales["by_day"]]),
               Series(_("Commissions"), [row["commissions"] for row in sales["by_day"]], kind="line")],
              unit="money", currency=currency, note=_("Validated sales, by the day they were sold.")),
        Chart("top_products", _("Top products"), "hbar", [row["name"] for row in top_products],
              [Series(_("Asked for"), [row["asked"] for row in top_products]),
               Series(_("Units sold"), [row["sold"] for row in top_products])],
              note=_("Asked for: leads interested in it. Sold: units in validated sales.")),
        Chart("top_operators", _("Top operators"), "hbar", [row["name"] for row in top_operators],
              [Series(_("Asked for"), [row["asked"] for row in top_operators]),
               Series(_("Units sold"), [row["sold"] for row in top_operators])],
              note=_("Asked for: leads interested in it. Sold: units in validated sales.")),
        Chart("ai_vs_human", _("AI vs people"), "doughnut", [_("Resolved by the AI alone"),
                                                             _("Resolved with a person")],
              [Series(_("Conversations"), [totals["ai_resolved"], totals["resolved"] - totals["ai_resolved"]])],
              note=_("Conversations resolved in the range; the AI alone when no person wrote in them.")),
        Chart("escalation_reasons", _("Why the AI handed over"), "hbar",
              [_reason_label(row["reason"]) for row in conv["escalation_reasons"]],
              [Series(_("Conversations"), [row["conversations"] for row in conv["escalation_reasons"]])],
              note=_("Conversations handed to a person in the range.")),
        Chart("response_times", _("Response times"), "bar", [_("First response"), _("Resolution")],
              [Series(_("Median"), [conv["first_response"]["median"], conv["resolution"]["median"]]),
               Series(_("p90"), [conv["first_response"]["p90"], conv["resolution"]["p90"]])],
              unit="minutes",
              note=_("From the customer's first message: to the first answer (person or AI), to resolution.")),
        Chart("peak_hours", _("Peak hours"), "heatmap", [f"{hour:02d}" for hour in range(24)],
              [Series(name, conv["peak_hours"][i]) for i, name in enumerate(_weekday_names())],
              note=_("Customers' messages by weekday and hour.")),
        Chart("ticket_sla", _("Ticket SLA"), "bar", [str(priority_labels.get(p, p)) for p in priorities],
              [Series(_("Met"), [tickets["by_priority"][p]["met"] for p in priorities]),
               Series(_("Breached"), [tickets["by_priority"][p]["breached"] for p in priorities]),
               Series(_("Still running"), [tickets["by_priority"][p]["open"] for p in priorities])],
              stacked=True, note=_("Tickets opened in the range, by priority.")),
        Chart("csat_distribution", _("Customer satisfaction"), "bar", [str(mark) for mark in range(1, 6)],
              [Series(_("Answers"), [csat["distribution"][mark] for mark in range(1, 6)])], unit="count",
              note=_("Ratings 1-5 answered in the range.")),
        Chart("telecom_sale_types", _("Telecom sales by type"), "bar",
              [str(SaleType(value).label) for value in telecom_types],
              [Series(_("Sales"), [by_type[value]["sales"] for value in telecom_types])],
              note=_("Validated sales in the range.")),
        Chart("installation_states", _("Installations"), "doughnut",
              [str(Sale.InstallationState(row["state"]).label) for row in sales["installation_states"]],
              [Series(_("Sales"), [row["sales"] for row in sales["installation_states"]])],
              note=_("Validated telecom sales in the range, by installation state.")),
        Chart("ai_spend", _("AI spend"), "bar", [row["month"] for row in spend["by_month"]],
              [Series(_("Spend"), [row["spend_usd"] for row in spend["by_month"]]),
               *([Series(_("Monthly budget"), [budget] * len(spend["by_month"]), kind="line")] if budget else [])],
              unit="usd", note=_("Every AI request in the range, company-wide.")),
        Chart("collections", _("Collections: promised vs paid"), "bar", [row["day"] for row in collections["by_day"]],
              [Series(_("Promised"), [row["promised"] for row in collections["by_day"]]),
               Series(_("Paid"), [row["paid"] for row in collections["by_day"]])],
              unit="money", currency=currency,
              note=_("Instalments falling due in the range, and what has been paid on them.")),
    ]
    columns = [
        Column("agent", _("Agent"), "count"), Column("leads", _("Leads")), Column("conversations", _("Conversations")),
        Column("sales", _("Sales")), Column("revenue", _("Revenue"), "money"),
        Column("commissions", _("Commissions"), "money"), Column("quality_score", _("Quality score"), "score"),
        Column("calls", _("Calls")), Column("csat", _("CSAT"), "score"),
    ]
    tables = [Table("leaderboard", _("Agent leaderboard"), columns, board,
                    note=_("Ordered by revenue. Quality: average score of the audits sent in the range."))]
    return DashboardData(filters=filters, kpis=kpis, charts=charts, tables=tables)


def dashboard_data(*, user: User, filters: Filters, use_cache: bool = True, use_rollup: bool = True) -> DashboardData:
    """Every KPI, chart and table of the dashboard for ``user`` (supervisors: their teams; admins: everything;
    anyone else: ``PermissionDenied``)."""
    scope = _require(user, analytics_allowed)
    return _cached(f"dashboard:{use_rollup}", scope, filters, lambda: _build(scope, filters, use_rollup),
                   use_cache=use_cache)
