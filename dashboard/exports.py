"""A dashboard figure as a download: a chart's labels down the side and its series across the top, or the
leaderboard's rows under its column titles, as CSV or as an Excel workbook.

The figures are small (a chart has tens of labels, the leaderboard one row per agent), so the file is built
in memory. Text that a spreadsheet would run as a formula (a customer's or agent's name starting with ``=``)
is kept as text in both formats.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill

from core.admin_tools import excel_row
from dashboard.types import Chart, Table

ExportFormat = Literal["csv", "xlsx"]
CONTENT_TYPES: dict[str, str] = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
#: What a spreadsheet reads as the start of a formula in a CSV cell.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_SHEET_TITLE_BAD = re.compile(r"[\\/*?:\[\]]")


@dataclass(frozen=True)
class Grid:
    """A figure flattened to a header row and data rows."""

    title: str
    header: list[str]
    rows: list[list[Any]]


def chart_grid(chart: Chart) -> Grid:
    """Labels down, one column per series; a value the chart lacks is an empty cell."""
    header = [str(chart.title), *(str(s.name) for s in chart.series)]
    rows = []
    for index, label in enumerate(chart.labels):
        rows.append([str(label), *(s.data[index] if index < len(s.data) else None for s in chart.series)])
    return Grid(title=str(chart.title), header=header, rows=rows)


def table_grid(table: Table) -> Grid:
    header = [str(column.label) for column in table.columns]
    rows = [[row.get(column.key) for column in table.columns] for row in table.rows]
    return Grid(title=str(table.title), header=header, rows=rows)


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value if isinstance(value, int | float | Decimal) else str(value)


def grid_csv(grid: Grid) -> bytes:
    """UTF-8 with a byte-order mark, so Excel opens accents right; comma-separated, a dot for decimals."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([_csv_cell(h) for h in grid.header])
    for row in grid.rows:
        writer.writerow([_csv_cell(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _xlsx_value(value: Any) -> Any:
    if value is None or isinstance(value, int | float | Decimal | str):
        return value
    return str(value)


def _header_cells(sheet: Any, titles: Iterable[str]) -> list[WriteOnlyCell]:
    cells = []
    for title in titles:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="0D6EFD")
        cells.append(cell)
    return cells


def sheet_title(title: str) -> str:
    """A worksheet name Excel accepts: at most 31 characters, none of ``\\ / * ? : [ ]``."""
    return (_SHEET_TITLE_BAD.sub(" ", title).strip() or "Datos")[:31]


def grid_xlsx(grid: Grid) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title(grid.title))
    sheet.append(_header_cells(sheet, grid.header))
    for row in grid.rows:
        sheet.append(excel_row(sheet, [_xlsx_value(v) for v in row]))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def figure_export(figure: Chart | Table, fmt: ExportFormat) -> bytes:
    """The download's bytes for ``figure`` in ``fmt``."""
    grid = chart_grid(figure) if isinstance(figure, Chart) else table_grid(figure)
    return grid_csv(grid) if fmt == "csv" else grid_xlsx(grid)


def export_filename(key: str, fmt: str, *, parts: Sequence[str]) -> str:
    """``<key>_<from>_<to>.<fmt>``: which figure, which days."""
    safe = [re.sub(r"[^A-Za-z0-9_-]+", "-", part) for part in (key, *parts) if part]
    return "_".join(safe) + f".{fmt}"
