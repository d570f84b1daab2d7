"""How the dashboard's figures read on the page: values worded by unit, charts grouped by section, the heatmap as
a coloured grid and the leaderboard's cells. Plain functions over ``dashboard.types``; no queries.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.money import format_money, money_style
from dashboard.types import SECTIONS, Chart, DashboardData, Kpi, Table, Unit

SECTION_TITLES: dict[str, Promise] = {
    "sales": _("Sales"),
    "service": _("Customer service"),
    "telecom": _("Telecom"),
    "money": _("Money"),
}
SECTION_INTROS: dict[str, Promise] = {
    "sales": _("Leads, the way from lead to sale, and what sells."),
    "service": _("Who answers, how fast, and how customers rate it."),
    "telecom": _("Portability, plan changes and installations."),
    "money": _("What the AI costs against its budget, and what is collected."),
}
#: Which section's strip shows each KPI; a KPI not named here goes to the first section.
KPI_SECTION: dict[str, str] = {
    "leads_total": "sales", "leads_hot": "sales", "sales_count": "sales", "revenue": "sales",
    "commissions": "sales",
    "conversations_total": "service", "ai_resolved_share": "service", "first_response_median": "service",
    "resolution_median": "service", "ticket_sla_compliance": "service", "csat_average": "service",
    "ai_spend": "money", "collections_recovery": "money",
}
HEAT_LEVELS = 6  # dash-heat-0 (nothing) .. dash-heat-5 (the busiest cell)


def _number(value: float | int | Decimal, places: int) -> str:
    """Written with the separators of the business's country (its currency's: Peru "1,234.5"), like its money."""
    style = money_style(settings.DEFAULT_CURRENCY)
    text = f"{round(float(value), places):,.{places}f}"
    if (style.thousands, style.decimal_mark) != (",", "."):
        text = text.replace(",", "\0").replace(".", style.decimal_mark).replace("\0", style.thousands)
    return text


def _places(value: float | int | Decimal) -> int:
    return 0 if float(value).is_integer() else 1


def format_minutes(value: float | int | Decimal) -> str:
    """A duration in minutes as people read it: "7.5 min", "2 h 15 min", "17 d 1 h" (KPI values and hints)."""
    minutes = float(value)
    if minutes < 60:
        return gettext("%(minutes)s min") % {
            "minutes": _number(minutes, 0 if minutes >= 10 or minutes.is_integer() else 1)}
    if minutes >= 1440:  # a day or more: to the nearest hour
        days, hours = divmod(round(minutes / 60), 24)
        return gettext("%(days)s d %(hours)s h") % {"days": _number(days, 0), "hours": hours}
    hours, mins = divmod(round(minutes), 60)
    if hours >= 24:  # 1439.6 minutes round up to a whole day
        return gettext("%(days)s d %(hours)s h") % {"days": 1, "hours": 0}
    return gettext("%(hours)s h %(minutes)s min") % {"hours": hours, "minutes": f"{mins:02d}"}


def format_value(value: Any, unit: Unit | str = "count", currency: str = "") -> str:
    """``value`` as a person reads it: "1.234", "S/ 1.234,50", "45,2 %", "12 min", "US$ 3,20"; "—" for none."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return str(value)
    if unit == "money":
        return format_money(value, currency or None)
    if unit == "usd":
        return format_money(value, "USD")
    if unit == "percent":
        return f"{_number(value, 1)} %"
    if unit == "minutes":
        return format_minutes(value)
    if unit == "score":
        return _number(value, 1)
    return _number(value, _places(value))


@dataclass(frozen=True)
class KpiCard:
    kpi: Kpi
    display: str

    @property
    def dom_id(self) -> str:
        return f"kpi-{self.kpi.key.replace('_', '-')}"


@dataclass(frozen=True)
class HeatCell:
    value: float | int | None
    display: str
    level: int


@dataclass(frozen=True)
class HeatRow:
    label: str
    cells: list[HeatCell]


@dataclass(frozen=True)
class Heatmap:
    columns: list[str]
    rows: list[HeatRow]
    maximum: float | int


def chart_is_empty(chart: Chart) -> bool:
    """No labels, or every value missing or zero: the chart would draw nothing worth reading."""
    if not chart.labels or not chart.series:
        return True
    return not any(v for s in chart.series for v in s.data if v is not None)


def heatmap_grid(chart: Chart) -> Heatmap:
    """The heatmap as a table: the shorter side (weekdays) down, the longer (hours) across; each cell's colour
    level is its share of the busiest cell."""
    labels = [str(label) for label in chart.labels]
    names = [str(s.name) for s in chart.series]
    values = [[s.data[i] if i < len(s.data) else None for i in range(len(labels))] for s in chart.series]
    if len(labels) > len(names):  # series down (weekdays), labels across (hours)
        row_labels, columns, matrix = names, labels, values
    else:
        row_labels, columns = labels, names
        matrix = [[values[j][i] for j in range(len(names))] for i in range(len(labels))]
    maximum = max((v for row in matrix for v in row if v is not None), default=0) or 0
    rows = []
    for label, row in zip(row_labels, matrix, strict=True):
        cells = []
        for value in row:
            level = 0
            if value and maximum:
                level = max(1, min(HEAT_LEVELS - 1, round((HEAT_LEVELS - 1) * float(value) / float(maximum))))
            cells.append(HeatCell(value=value, display=format_value(value, chart.unit, chart.currency)
                                  if value else "", level=level))
        rows.append(HeatRow(label=label, cells=cells))
    return Heatmap(columns=columns, rows=rows, maximum=maximum)


@dataclass(frozen=True)
class ChartCard:
    chart: Chart
    is_empty: bool
    is_wide: bool
    heatmap: Heatmap | None = None

    @property
    def dom_id(self) -> str:
        return f"chart-{self.chart.key.replace('_', '-')}"


@dataclass(frozen=True)
class Section:
    key: str
    title: str | Promise
    intro: str | Promise
    kpis: list[KpiCard] = field(default_factory=list)
    charts: list[ChartCard] = field(default_factory=list)

    @property
    def dom_id(self) -> str:
        return f"section-{self.key}"


def _chart_cards(charts: Sequence[Chart]) -> list[ChartCard]:
    """Drawn charts two to a row on a wide screen, the heatmaps full width after them; an odd last chart takes
    the whole row rather than leave a hole."""
    plain = [c for c in charts if c.kind != "heatmap"]
    heat = [c for c in charts if c.kind == "heatmap"]
    cards = []
    for index, chart in enumerate(plain):
        wide = len(plain) % 2 == 1 and index == len(plain) - 1
        cards.append(ChartCard(chart=chart, is_empty=chart_is_empty(chart), is_wide=wide))
    for chart in heat:
        cards.append(ChartCard(chart=chart, is_empty=chart_is_empty(chart), is_wide=True,
                               heatmap=heatmap_grid(chart)))
    return cards


def dashboard_sections(data: DashboardData) -> list[Section]:
    """The page's sections in SECTIONS order, each with its KPI cards and its charts (charts the analytics left
    out are skipped; a KPI of no known section goes to the first)."""
    first = next(iter(SECTIONS))
    kpis: dict[str, list[KpiCard]] = {key: [] for key in SECTIONS}
    for kpi in data.kpis:
        section = KPI_SECTION.get(kpi.key, first)
        kpis.setdefault(section, []).append(KpiCard(kpi=kpi, display=format_value(kpi.value, kpi.unit, kpi.currency)))
    sections = []
    for key, chart_keys in SECTIONS.items():
        charts = [c for c in (data.chart(k) for k in chart_keys) if c is not None]
        sections.append(Section(key=key, title=SECTION_TITLES.get(key, key), intro=SECTION_INTROS.get(key, ""),
                                kpis=kpis.get(key, []), charts=_chart_cards(charts)))
    return sections


def sections_are_empty(sections: Sequence[Section]) -> bool:
    """Nothing to read anywhere: every KPI zero or missing and every chart empty (the leaderboard lists the agents
    in scope even when they did nothing, so it does not count)."""
    return not any(card.kpi.value for s in sections for card in s.kpis) and all(
        card.is_empty for s in sections for card in s.charts)


def chart_payload(sections: Sequence[Section]) -> dict[str, dict[str, Any]]:
    """What static/dashboard/dashboard.js draws, by canvas id: only charts with something to draw."""
    payload: dict[str, dict[str, Any]] = {}
    for section in sections:
        for card in section.charts:
            if card.is_empty or card.heatmap is not None:
                continue
            chart = card.chart
            payload[card.dom_id] = {
                "key": chart.key, "kind": chart.kind, "labels": [str(label) for label in chart.labels],
                "series": [{"name": str(s.name), "data": [_plain(v) for v in s.data], "kind": s.kind}
                           for s in chart.series],
                "unit": chart.unit, "currency": chart.currency, "stacked": chart.stacked, "wide": card.is_wide,
                "style": number_style(chart.unit, chart.currency),
            }
    return payload


def number_style(unit: Unit | str, currency: str = "") -> dict[str, Any]:
    """How the drawing code writes a chart's numbers: the separators of the business's country (of the chart's
    currency for money), and the currency's symbol and decimals."""
    if unit in ("money", "usd"):
        style = money_style("USD" if unit == "usd" else (currency or settings.DEFAULT_CURRENCY))
        return {"symbol": style.symbol, "thousands": style.thousands, "decimal": style.decimal_mark,
                "places": style.places}
    style = money_style(settings.DEFAULT_CURRENCY)
    return {"symbol": "", "thousands": style.thousands, "decimal": style.decimal_mark, "places": 0}


def _plain(value: Any) -> Any:
    return float(value) if isinstance(value, Decimal) else value


@dataclass(frozen=True)
class TableView:
    table: Table
    header: list[tuple[str, str | Promise, str]]  # key, label, unit
    rows: list[list[tuple[str, str, bool]]]  # display, unit, is_number

    @property
    def dom_id(self) -> str:
        return f"table-{self.table.key.replace('_', '-')}"


def table_view(table: Table) -> TableView:
    header = [(c.key, c.label, c.unit) for c in table.columns]
    rows = []
    for row in table.rows:
        cells = []
        for column in table.columns:
            value = row.get(column.key)
            is_number = isinstance(value, int | float | Decimal) and not isinstance(value, bool)
            cells.append((format_value(value, column.unit, str(row.get("currency") or "")) if is_number
                          else ("—" if value in (None, "") else str(value)), column.unit, is_number))
        rows.append(cells)
    return TableView(table=table, header=header, rows=rows)


def chart_strings() -> dict[str, str]:
    """The drawing code's few words, in the user's language."""
    return {"no_data": gettext("No data for these filters.")}
