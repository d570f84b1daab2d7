"""The shapes the dashboard's figures travel in: from the analytics selectors to the page, its chart downloads
and the analytics API. Plain frozen dataclasses, so a page renders any chart the same way and a CSV or Excel
download is the chart's labels down the side and its series across the top.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Literal

#: How a figure reads: a count, an amount of money (in ``currency``), a share 0-100, minutes, or US dollars.
Unit = Literal["count", "money", "percent", "minutes", "usd", "score"]
ChartKind = Literal["bar", "hbar", "line", "doughnut", "funnel", "heatmap"]


@dataclass(frozen=True)
class Filters:
    """What the dashboard and the analytics API are asked for. Dates are local days, both ends included.

    ``team_id``, ``agent_id`` and ``operator_id`` narrow further what the user may see (never widen it);
    ``channel`` is "whatsapp", "instagram" or "" for both.
    """

    date_from: date
    date_to: date
    team_id: int | None = None
    agent_id: int | None = None
    channel: str = ""
    operator_id: int | None = None


@dataclass(frozen=True)
class Kpi:
    key: str
    label: str
    value: float | int | None
    unit: Unit = "count"
    currency: str = ""
    #: A second figure beside the value ("of 500 USD budget", "p90 42 min"), already worded.
    hint: str = ""


@dataclass(frozen=True)
class Series:
    name: str
    data: list[float | int | None]
    #: For a line drawn over bars (a budget line, a target).
    kind: str = ""


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    kind: ChartKind
    labels: list[str]
    series: list[Series]
    unit: Unit = "count"
    currency: str = ""
    stacked: bool = False
    #: One sentence under the chart saying how the figure is counted.
    note: str = ""


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    unit: Unit = "count"


@dataclass(frozen=True)
class Table:
    key: str
    title: str
    columns: list[Column]
    rows: list[dict[str, object]]
    note: str = ""


@dataclass(frozen=True)
class DashboardData:
    filters: Filters
    kpis: list[Kpi] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)

    def chart(self, key: str) -> Chart | None:
        return next((c for c in self.charts if c.key == key), None)

    def table(self, key: str) -> Table | None:
        return next((t for t in self.tables if t.key == key), None)


#: The charts the dashboard shows, in order, by section. The analytics selectors fill each key (an empty chart,
#: labels and series present but no data, rather than a missing key); the page lays them out by these sections.
SECTIONS: dict[str, tuple[str, ...]] = {
    "sales": ("leads_by_temperature", "leads_by_stage", "funnel", "revenue_by_day", "top_products",
              "top_operators"),
    "service": ("ai_vs_human", "escalation_reasons", "response_times", "peak_hours", "ticket_sla",
                "csat_distribution"),
    "telecom": ("telecom_sale_types", "installation_states"),
    "money": ("ai_spend", "collections"),
}
KPI_KEYS = (
    "leads_total", "leads_hot", "conversations_total", "ai_resolved_share", "first_response_median",
    "resolution_median", "sales_count", "revenue", "commissions", "ticket_sla_compliance", "csat_average",
    "ai_spend", "collections_recovery",
)
TABLE_KEYS = ("leaderboard",)
