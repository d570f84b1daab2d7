"""The leads pipeline (kanban): one column per status, with counts, value and the top cards.

Reads are scoped like every lead list (agents see their own leads, supervisors their team's);
moving a card goes through ``lead_set_status`` after checking the role may change leads.
The board costs a fixed number of queries whatever the number of leads: one aggregate per
column set, one windowed query for the cards and, once ``sales`` is installed, one for the
pending quotes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, QuerySet, Sum, Window
from django.db.models.functions import RowNumber
from django.utils.translation import gettext as _

from accounts.models import User
from core.errors import PermissionDeniedError
from core.money import format_money
from core.params import parse_id
from leads.models import Classification, Lead, LeadStatus
from leads.purchases import purchases
from leads.selectors import lead_visible_queryset
from leads.services import lead_set_status

PIPELINE_STATUSES: tuple[str, ...] = (
    LeadStatus.NEW,
    LeadStatus.CONTACTED,
    LeadStatus.QUALIFIED,
    LeadStatus.QUOTED,
    LeadStatus.WON,
    LeadStatus.LOST,
)
CARDS_PER_COLUMN = 50


@dataclass(frozen=True)
class PipelineFilters:
    assignee: str = ""  # a user id, "me" or "none"
    operator: str = ""  # an operator id
    classification: str = ""  # HOT / WARM / COLD


@dataclass
class PipelineColumn:
    status: str
    label: str
    count: int = 0
    budget_total: Decimal = Decimal("0")
    quoted_total: Decimal = Decimal("0")
    leads: list[Lead] = field(default_factory=list)

    @property
    def value(self) -> Decimal:
        """Pending quotes where there are any, else the stated budgets."""
        return self.quoted_total or self.budget_total

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "label": self.label,
            "count": self.count,
            "value": _money(self.value),
            "value_display": format_money(self.value),  # in the business currency, as the page writes it
            "budget_total": _money(self.budget_total),
            "quoted_total": _money(self.quoted_total),
        }


def _money(amount: Decimal) -> str:
    """Two decimals whatever the database summed with (SQLite drops trailing zeros, PostgreSQL keeps them)."""
    return str(Decimal(amount).quantize(Decimal("0.01")))


def pipeline_queryset(*, user: User, filters: PipelineFilters) -> QuerySet[Lead]:
    """The leads on the board: what the user may see, narrowed by the filters."""
    qs = lead_visible_queryset(user=user)
    if user.is_agent or filters.assignee == "me":
        qs = qs.filter(assignee=user)
    elif filters.assignee == "none":
        qs = qs.filter(assignee__isnull=True)
    elif (assignee_id := parse_id(filters.assignee)) is not None:
        qs = qs.filter(assignee_id=assignee_id)
    if (operator_id := parse_id(filters.operator)) is not None:
        qs = qs.filter(operator_id=operator_id)
    if filters.classification.upper() in Classification.values:
        qs = qs.filter(classification=filters.classification.upper())
    return qs


def _pending_quotes_by_status(leads: QuerySet[Lead]) -> dict[str, Decimal]:
    """Sum of pending quotes per lead status (from the selling app's registered source)."""
    return purchases().pending_quote_totals_by_lead_status(leads)


def pipeline_board(
    *, user: User, filters: PipelineFilters | None = None, per_column: int = CARDS_PER_COLUMN
) -> list[PipelineColumn]:
    """The columns of the kanban with their totals and the best ``per_column`` cards each."""
    filters = filters or PipelineFilters()
    leads = pipeline_queryset(user=user, filters=filters)
    labels = dict(LeadStatus.choices)
    columns = {status: PipelineColumn(status=status, label=str(labels[status])) for status in PIPELINE_STATUSES}

    totals = leads.order_by().values("status").annotate(n=Count("pk"), budget=Sum("budget"))
    for row in totals:
        column = columns.get(row["status"])
        if column is not None:
            column.count = row["n"]
            column.budget_total = row["budget"] or Decimal("0")
    for status, total in _pending_quotes_by_status(leads).items():
        if status in columns:
            columns[status].quoted_total = total

    if per_column <= 0:
        return list(columns.values())
    ranked = (
        leads.select_related("contact", "assignee", "operator", "product")
        .annotate(
            rank=Window(RowNumber(), partition_by=[F("status")], order_by=[F("score").desc(), F("pk").desc()])
        )
        .filter(rank__lte=per_column)
        .order_by("status", "rank")
    )
    for lead in ranked:
        columns[lead.status].leads.append(lead)
    return list(columns.values())


def pipeline_lead_move(*, actor: User, lead: Lead, status: str, lost_reason: str = "") -> Lead:
    """Drop a card in another column: the role must be allowed to change leads, the move must be valid.

    ``lead`` comes from a selector scoped to ``actor`` (a lead they may not see is a 404 before this).
    Moving to lost needs a reason; reopening a won or lost lead needs a supervisor (``lead_set_status``).
    """
    if not actor.has_perm("leads.change_lead"):
        raise PermissionDeniedError(_("Your role cannot move leads."))
    return lead_set_status(actor=actor, lead=lead, status=status, lost_reason=lost_reason.strip()[:200])
