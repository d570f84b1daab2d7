"""How a dashboard figure reads and downloads, on figures written by hand in the shapes of dashboard/types.py:
values worded by unit, the heatmap's grid, a chart's and the leaderboard's CSV and Excel cells, and text that a
spreadsheet would run as a formula kept as text."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from django.utils import translation
from openpyxl import load_workbook

from dashboard.exports import figure_export, sheet_title
from dashboard.presenters import chart_is_empty, dashboard_sections, format_value, heatmap_grid
from dashboard.types import Chart, Column, DashboardData, Filters, Kpi, Series, Table

RANGE = Filters(date_from=date(2026, 11, 1), date_to=date(2026, 11, 30))
STAGES = Chart(key="leads_by_stage", title="Leads por etapa", kind="bar", labels=["Nuevo", "Cotizado", "Ganado"],
               series=[Series(name="WhatsApp", data=[5, 3, 1]), Series(name="Instagram", data=[2, None, 0.5])],
               stacked=True)
BOARD = Table(key="leaderboard", title="Ranking", columns=[
    Column("agent", "Agente"), Column("sales", "Ventas"), Column("revenue", "Ingresos", unit="money"),
], rows=[{"agent": "Lucía", "sales": 3, "revenue": 1500.5},
         {"agent": "=HYPERLINK(\"x\")", "sales": 0, "revenue": None}])


def _csv(data: bytes) -> list[list[str]]:
    assert data.startswith("\ufeff".encode())  # Excel opens accents right with the mark
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def _xlsx(data: bytes) -> tuple[str, list[list[object]]]:
    sheet = load_workbook(io.BytesIO(data)).active
    return sheet.title, [list(row) for row in sheet.iter_rows(values_only=True)]


def test_chart_downloads_labels_down_and_series_across_when_exported_as_csv():
    assert _csv(figure_export(STAGES, "csv")) == [
        ["Leads por etapa", "WhatsApp", "Instagram"],
        ["Nuevo", "5", "2"],
        ["Cotizado", "3", ""],
        ["Ganado", "1", "0.5"],
    ]


def test_chart_downloads_numbers_as_numbers_when_exported_as_excel():
    title, rows = _xlsx(figure_export(STAGES, "xlsx"))
    assert title == "Leads por etapa"
    assert rows == [["Leads por etapa", "WhatsApp", "Instagram"], ["Nuevo", 5, 2], ["Cotizado", 3, None],
                    ["Ganado", 1, 0.5]]


def test_leaderboard_text_that_looks_like_a_formula_stays_text_when_downloaded():
    assert _csv(figure_export(BOARD, "csv")) == [
        ["Agente", "Ventas", "Ingresos"], ["Lucía", "3", "1500.5"], ["'=HYPERLINK(\"x\")", "0", ""]]
    workbook = load_workbook(io.BytesIO(figure_export(BOARD, "xlsx")))
    cell = workbook.active["A3"]
    assert (cell.value, cell.data_type) == ("=HYPERLINK(\"x\")", "s")


def test_sheet_title_drops_the_characters_excel_refuses_when_the_chart_title_has_them():
    assert sheet_title("Ventas / Cobranza: [nov]?") == "Ventas   Cobranza   nov"
    assert len(sheet_title("x" * 40)) == 31


@pytest.mark.parametrize(("value", "unit", "currency", "expected"), [
    (1234, "count", "", "1,234"),
    (1234.5, "money", "PEN", "S/ 1,234.50"),
    (1234.5, "money", "", "S/ 1,234.50"),  # the business's currency when the figure names none
    (12.3, "usd", "", "US$ 12.30"),
    (45.25, "percent", "", "45.2 %"),
    (7.5, "minutes", "", "7.5 min"),
    (135, "minutes", "", "2 h 15 min"),
    (1500, "minutes", "", "1 d 1 h"),
    (1439.8, "minutes", "", "1 d 0 h"),
    (24568.4, "minutes", "", "17 d 1 h"),  # a p90 of weeks reads in days, not "24568.4 min"
    (4.25, "score", "", "4.2"),
    (None, "count", "", "—"),
])
def test_values_read_as_the_business_country_writes_them_when_the_page_shows_them(value, unit, currency, expected):
    with translation.override("es"):
        assert format_value(value, unit, currency) == expected


def test_numbers_follow_the_currency_country_when_the_business_sells_in_pesos(settings):
    settings.DEFAULT_CURRENCY = "CLP"
    assert (format_value(1234.5, "count"), format_value(1234.5, "money")) == ("1.234,5", "$1.235")


def test_heatmap_puts_weekdays_down_and_hours_across_when_the_chart_has_an_hour_per_label():
    chart = Chart(key="peak_hours", title="Horas pico", kind="heatmap", labels=[f"{h:02d}" for h in range(24)],
                  series=[Series(name="lun", data=[0] * 23 + [10]), Series(name="mar", data=[5] + [None] * 23)])
    grid = heatmap_grid(chart)
    assert [row.label for row in grid.rows] == ["lun", "mar"]
    assert len(grid.columns) == 24
    assert (grid.rows[0].cells[23].level, grid.rows[1].cells[0].level, grid.rows[0].cells[0].level) == (5, 2, 0)
    assert grid.rows[0].cells[0].display == ""  # a quiet hour is a blank cell, not a "0"


def test_a_chart_of_zeros_is_empty_and_the_kpis_go_to_their_sections_when_the_page_is_laid_out():
    zeros = Chart(key="funnel", title="Embudo", kind="funnel", labels=["Lead", "Venta"],
                  series=[Series(name="n", data=[0, None])])
    assert chart_is_empty(zeros) and not chart_is_empty(STAGES)
    data = DashboardData(filters=RANGE, charts=[STAGES, zeros], kpis=[
        Kpi("leads_total", "Leads", 10), Kpi("ai_spend", "Gasto IA", 3.2, unit="usd"), Kpi("new_thing", "Nuevo", 1)])
    sections = {s.key: s for s in dashboard_sections(data)}
    assert [k.kpi.key for k in sections["sales"].kpis] == ["leads_total", "new_thing"]
    assert [k.display for k in sections["money"].kpis] == ["US$ 3.20"]
    assert [c.chart.key for c in sections["sales"].charts] == ["leads_by_stage", "funnel"]
    assert [c.is_empty for c in sections["sales"].charts] == [False, True]
