"""Pieces every back-office list uses: badges, progress bars, fast counts, Excel exports."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.contrib import admin
from django.db import models
from django.http import FileResponse, Http404, HttpRequest
from django.utils import timezone
from django.utils.html import format_html
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill

from core.money import format_money_or_empty

BADGE_COLOURS = {
    "danger": "#dc3545",
    "warning": "#fd7e14",
    "info": "#0dcaf0",
    "primary": "#0d6efd",
    "success": "#198754",
    "secondary": "#6c757d",
    "dark": "#212529",
}


def _colour_attrs(colour: str, prefix: str) -> tuple[str, str]:
    """A palette name becomes a class (static/css/admin.css); any other colour (a tag's, an operator's) a
    ``data-colour`` that static/js/admin.js paints: the Content Security Policy allows no style attributes."""
    if colour in BADGE_COLOURS:
        return f" {prefix}-{colour}", ""
    return "", colour


def badge(label: str, colour: str) -> str:
    """A small coloured pill (admin has no Bootstrap: the classes are in static/css/admin.css)."""
    css_class, data_colour = _colour_attrs(colour, "crm-bg")
    if data_colour:
        return format_html('<span class="crm-badge" data-colour="{}">{}</span>', data_colour, label)
    return format_html('<span class="crm-badge{}">{}</span>', css_class, label)


def progress_bar(value: int, *, maximum: int = 100, colour: str = "primary") -> str:
    """A horizontal bar with the number beside it, for scores and stock levels."""
    width = max(0, min(100, round(100 * value / maximum))) if maximum else 0
    css_class, data_colour = _colour_attrs(colour, "crm-bg")
    fill = (format_html('<div class="crm-progress-fill w-pct-{}" data-colour="{}"></div>', width, data_colour)
            if data_colour else format_html('<div class="crm-progress-fill w-pct-{}{}"></div>', width, css_class))
    return format_html(
        '<div class="crm-progress" title="{}"><div class="crm-progress-track">{}</div>'
        '<span class="crm-progress-value">{}</span></div>',
        value,
        fill,
        value,
    )


class ScopedAdminMixin:
    """For a ModelAdmin whose ``get_queryset`` scopes rows by role.

    A row outside the user's scope is a 404 (not admin's "perhaps it was deleted" redirect), and every
    foreign key or many-to-many the form offers or accepts comes from what the user may see in the
    related model's admin: a supervisor cannot pick, or post the id of, another team's agent or contact.
    """

    def get_object(self, request: HttpRequest, object_id: str, from_field: str | None = None) -> Any:
        obj = super().get_object(request, object_id, from_field)  # type: ignore[misc]
        if obj is None:
            raise Http404
        return obj

    def _related_queryset(self, db_field: models.Field, request: HttpRequest) -> Any:
        related_admin = self.admin_site._registry.get(db_field.remote_field.model)  # type: ignore[attr-defined]
        return None if related_admin is None else related_admin.get_queryset(request)

    def formfield_for_foreignkey(self, db_field: models.ForeignKey, request: HttpRequest, **kwargs: Any) -> Any:
        if "queryset" not in kwargs and (queryset := self._related_queryset(db_field, request)) is not None:
            kwargs["queryset"] = queryset
        return super().formfield_for_foreignkey(db_field, request, **kwargs)  # type: ignore[misc]

    def formfield_for_manytomany(self, db_field: models.ManyToManyField, request: HttpRequest, **kwargs: Any) -> Any:
        if "queryset" not in kwargs and (queryset := self._related_queryset(db_field, request)) is not None:
            kwargs["queryset"] = queryset
        return super().formfield_for_manytomany(db_field, request, **kwargs)  # type: ignore[misc]


class ScopedModelAdmin(ScopedAdminMixin, admin.ModelAdmin):
    pass


class AdminsOnlyMixin:
    """A ModelAdmin for administrators only (``user.is_admin_role``), whatever a group holds: API tokens,
    the IP allowlist. Subclasses may narrow a verb further (a log nobody adds to)."""

    def _is_admin(self, request: HttpRequest) -> bool:
        return bool(request.user.is_active and getattr(request.user, "is_admin_role", False))

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._is_admin(request)

    def has_view_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return self._is_admin(request)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return self._is_admin(request)

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return self._is_admin(request)

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return self._is_admin(request)


def money_column(field: str, description: Any, *, currency_attr: str = "currency") -> Callable[[Any, Any], str]:
    """A ``list_display`` column writing ``field`` as money ("S/ 4,000.00", ``core.money``), sortable by it.

    The currency is read from ``currency_attr`` of the row (the business currency when empty). Django would
    otherwise write the number in the UI language's format ("4000,00") and the currency in another column.
    """

    @admin.display(description=description, ordering=field)
    def column(modeladmin: Any, obj: Any) -> str:
        return format_money_or_empty(getattr(obj, field), getattr(obj, currency_attr, None) or None)

    return column


Column = tuple[str, Callable[[Any], Any]]
# Amounts stay numbers in a spreadsheet (sums, filters and charts work); this shows them with two decimals.
EXCEL_DECIMAL_FORMAT = "#,##0.00"

# Told of every export ``excel_response`` streams, as ``subscriber(filename=..., rows=...)`` once the file is
# written (accounts records it in the audit log). Higher apps subscribe in ``AppConfig.ready()``.
export_subscribers: list[Callable[..., None]] = []


def excel_row(sheet: Any, values: Iterable[Any]) -> list[Any]:
    """``values`` ready for a write-only sheet, text kept as text.

    openpyxl stores a string that starts with ``=`` as a formula: a WhatsApp profile name such as
    ``=HYPERLINK("http://evil", "Haz clic")`` would open as a live formula in the supervisor's Excel.
    Such text goes in a cell typed as a string, which Excel shows exactly as it was written.
    A ``Decimal`` (money) stays a number, shown with ``EXCEL_DECIMAL_FORMAT``: Excel writes the
    separators of the reader's own locale.
    """
    row = []
    for value in values:
        if isinstance(value, str) and value.startswith("="):
            cell = WriteOnlyCell(sheet, value=value)
            cell.data_type = "s"
            value = cell
        elif isinstance(value, Decimal):
            cell = WriteOnlyCell(sheet, value=value)
            cell.number_format = EXCEL_DECIMAL_FORMAT
            value = cell
        row.append(value)
    return row


def _cell_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    if isinstance(value, Decimal | int | float | str) or value is None:
        return value
    return str(value)


def excel_response(*, filename: str, sheet: str, columns: Sequence[Column], rows: Iterable[Any]) -> FileResponse:
    """Stream ``rows`` into an .xlsx built in write-only mode (bounded memory), then send it."""
    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(title=sheet[:31])
    header_font = Font(bold=True, color="FFFFFF")
    header_fill = PatternFill("solid", fgColor="0D6EFD")
    header = []
    for title, _getter in columns:
        cell = WriteOnlyCell(worksheet, value=str(title))
        cell.font = header_font
        cell.fill = header_fill
        header.append(cell)
    worksheet.append(header)
    count = 0
    for row in rows:
        worksheet.append(excel_row(worksheet, (_cell_value(getter(row)) for _title, getter in columns)))
        count += 1
    handle = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - FileResponse closes it
    workbook.save(handle)
    handle.seek(0)
    for subscriber in export_subscribers:
        subscriber(filename=filename, rows=count)
    return FileResponse(
        handle,
        as_attachment=True,
        filename=filename,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
