"""A small framework for Excel exports that stream in bounded memory.

An ``ExportDefinition`` names a queryset (already scoped to the user and annotated with whatever the
columns need, with subqueries rather than per-row queries), its columns, the date field of the date
range and the type filters. ``export_write`` reads the rows with ``.values(...).iterator(chunk_size=...)``
and appends them to an openpyxl *write-only* workbook, so neither the rows nor the cells are ever all
in memory; the workbook goes to a temporary file that ``FileResponse`` (or the command) sends on.

The definitions themselves live in ``reports/definitions.py``; ``export_registry()`` lists the ones
whose apps are installed.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import IO, Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from accounts.models import User
from core.admin_tools import excel_row
from core.errors import ApplicationError, PermissionDeniedError

CHUNK_SIZE = 2000
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ExportError(ApplicationError):
    code = "invalid_export"


@dataclass(frozen=True)
class ExportColumn:
    """One column: ``source`` is a key of ``.values()``; ``compute`` turns the row dict into the cell.

    ``needs`` lists the extra ``.values()`` keys ``compute`` reads.
    """

    key: str
    label: str | Promise
    source: str = ""
    compute: Callable[[dict[str, Any]], Any] | None = None
    needs: tuple[str, ...] = ()
    default: bool = True

    def fields(self) -> tuple[str, ...]:
        return (*((self.source,) if self.source else ()), *self.needs)

    def value(self, row: dict[str, Any]) -> Any:
        return self.compute(row) if self.compute else row.get(self.source)


@dataclass(frozen=True)
class ExportFilter:
    """A type filter: ``choices(user)`` gives the values ``user`` may pick (``None``: ops, every value), e.g. only
    the people a supervisor oversees; ``lookup`` the ORM lookup they go to."""

    key: str
    label: str | Promise
    lookup: str
    choices: Callable[[User | None], Sequence[tuple[str, Any]]]


@dataclass(frozen=True)
class ExportDefinition:
    kind: str
    label: str | Promise
    queryset: Callable[[User | None], QuerySet[Any]]  # scoped to the user (None: the command, all rows)
    columns: tuple[ExportColumn, ...]
    date_field: str
    filters: tuple[ExportFilter, ...] = ()
    is_available: Callable[[], bool] = lambda: True
    # A summary export: one row per value of ``group_by`` (e.g. per agent) with ``aggregates`` over the rows;
    # column sources are keys of either, and ``ordering`` orders the groups.
    group_by: tuple[str, ...] = ()
    aggregates: Mapping[str, Any] = field(default_factory=dict)
    ordering: tuple[str, ...] = ("pk",)

    def column_map(self) -> dict[str, ExportColumn]:
        return {c.key: c for c in self.columns}

    def default_columns(self) -> list[str]:
        return [c.key for c in self.columns if c.default]


@dataclass(frozen=True)
class ExportParams:
    date_from: date | None = None
    date_to: date | None = None
    filters: dict[str, str] = field(default_factory=dict)
    columns: tuple[str, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {
            "from": self.date_from.isoformat() if self.date_from else None,
            "to": self.date_to.isoformat() if self.date_to else None,
            "filters": dict(self.filters),
            "columns": list(self.columns),
        }


_REGISTRY: dict[str, ExportDefinition] = {}


def export_register(definition: ExportDefinition) -> ExportDefinition:
    _REGISTRY[definition.kind] = definition
    return definition


def export_registry() -> dict[str, ExportDefinition]:
    """The exports whose apps are installed, in registration order."""
    from reports import definitions  # noqa: F401 - registers the built-in exports

    return {kind: d for kind, d in _REGISTRY.items() if d.is_available()}


def export_get(kind: str) -> ExportDefinition:
    definition = export_registry().get(kind)
    if definition is None:
        raise ExportError(_("Unknown export “%(kind)s”.") % {"kind": kind}, code="unknown_export")
    return definition


# ---------------------------------------------------------------------------------------------
# Permission and parameters
# ---------------------------------------------------------------------------------------------
def export_check_allowed(*, user: User | None) -> None:
    """Exports are for supervisors, back office and admins (CONTRACT section 6); ``None`` is ops."""
    if user is None:
        return
    if not (user.is_supervisor or user.is_backoffice or user.is_admin_role):
        raise PermissionDeniedError(_("Your role cannot export data."))


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def export_validate(definition: ExportDefinition, params: ExportParams, *, user: User | None = None) -> ExportParams:
    """The params with the default columns filled in; ``ExportError`` for anything unknown, or any filter value
    ``user`` may not pick."""
    if params.date_from and params.date_to and params.date_from > params.date_to:
        raise ExportError(_("The start date is after the end date."), code="invalid_dates")
    known = definition.column_map()
    unknown = [c for c in params.columns if c not in known]
    if unknown:
        raise ExportError(
            _("Unknown columns: %(columns)s") % {"columns": ", ".join(unknown)}, code="unknown_column"
        )
    filters = {f.key: f for f in definition.filters}
    for key, value in params.filters.items():
        spec = filters.get(key)
        if spec is None:
            raise ExportError(_("Unknown filter “%(key)s”.") % {"key": key}, code="invalid_filter")
        if value and str(value) not in {str(v) for v, _label in spec.choices(user)}:
            raise ExportError(
                _("“%(value)s” is not a valid %(filter)s.") % {"value": value, "filter": spec.label},
                code="invalid_filter",
            )
    columns = tuple(params.columns) or tuple(definition.default_columns())
    return ExportParams(params.date_from, params.date_to, {k: v for k, v in params.filters.items() if v}, columns)


def export_queryset(definition: ExportDefinition, params: ExportParams, *, user: User | None) -> QuerySet[Any]:
    """The rows of the export (scoped, dated, filtered), in a stable order."""
    qs = definition.queryset(user)
    if params.date_from:
        qs = qs.filter(**{f"{definition.date_field}__gte": _day_start(params.date_from)})
    if params.date_to:
        qs = qs.filter(**{f"{definition.date_field}__lt": _day_start(params.date_to + timedelta(days=1))})
    lookups = {f.key: f.lookup for f in definition.filters}
    for key, value in params.filters.items():
        if value:
            qs = qs.filter(**{lookups[key]: value})
    return qs.order_by("pk")


def export_grouped(definition: ExportDefinition, qs: QuerySet[Any]) -> QuerySet[Any]:
    """A summary export's groups (``definition.group_by``) with their aggregates, in its order."""
    return qs.order_by().values(*definition.group_by).annotate(**definition.aggregates).order_by(
        *definition.ordering)


def export_count(definition: ExportDefinition, params: ExportParams, *, user: User | None) -> int:
    """How many rows the export will have (groups, for a summary export)."""
    qs = export_queryset(definition, params, user=user)
    return export_grouped(definition, qs).count() if definition.group_by else qs.count()


# ---------------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------------
def cell_value(value: Any) -> Any:
    """What openpyxl can store: naive local datetimes, numbers, text."""
    if isinstance(value, datetime):
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    if isinstance(value, Decimal | int | float | str | date) or value is None:
        return value
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


def sheet_add_header(sheet: WriteOnlyWorksheet, titles: Iterable[str | Promise]) -> None:
    header_font = Font(bold=True, color="FFFFFF")
    header_fill = PatternFill("solid", fgColor="0D6EFD")
    cells = []
    for title in titles:
        cell = WriteOnlyCell(sheet, value=str(title))
        cell.font, cell.fill = header_font, header_fill
        cells.append(cell)
    sheet.append(cells)


def export_rows(
    definition: ExportDefinition, params: ExportParams, *, user: User | None, chunk_size: int = CHUNK_SIZE
) -> Iterator[list[Any]]:
    """The cells of each row, read in chunks from the database (``params`` already validated)."""
    known = definition.column_map()
    columns = [known[key] for key in params.columns]
    qs = export_queryset(definition, params, user=user)
    if definition.group_by:
        rows = export_grouped(definition, qs).iterator(chunk_size=chunk_size)
    else:
        fields = list(dict.fromkeys(f for c in columns for f in c.fields()))
        rows = qs.values(*fields).iterator(chunk_size=chunk_size)
    for row in rows:
        yield [cell_value(c.value(row)) for c in columns]


def export_write_sheet(
    workbook: Workbook,
    definition: ExportDefinition,
    params: ExportParams,
    *,
    user: User | None,
    title: str | None = None,
    on_rows: Callable[[int], None] | None = None,
    chunk_size: int = CHUNK_SIZE,
) -> int:
    """Append one sheet with the export to a write-only ``workbook``; returns the number of rows."""
    known = definition.column_map()
    sheet = workbook.create_sheet(title=(title or str(definition.label))[:31])
    sheet_add_header(sheet, [known[key].label for key in params.columns])
    count = 0
    for cells in export_rows(definition, params, user=user, chunk_size=chunk_size):
        sheet.append(excel_row(sheet, cells))
        count += 1
        if on_rows and count % chunk_size == 0:
            on_rows(chunk_size)
    if on_rows and count % chunk_size:
        on_rows(count % chunk_size)
    return count


def export_write(
    definition: ExportDefinition,
    params: ExportParams,
    *,
    user: User | None,
    handle: IO[bytes],
    on_rows: Callable[[int], None] | None = None,
    chunk_size: int = CHUNK_SIZE,
) -> int:
    """Write the export as an .xlsx into ``handle``; returns the number of data rows."""
    workbook = Workbook(write_only=True)
    count = export_write_sheet(workbook, definition, params, user=user, on_rows=on_rows, chunk_size=chunk_size)
    workbook.save(handle)
    return count


def temporary_xlsx() -> IO[bytes]:
    """A temporary file for a workbook; deleted when closed (FileResponse closes it)."""
    return tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - the caller closes it
