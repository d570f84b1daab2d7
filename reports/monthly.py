"""The consolidated monthly report: a summary sheet of totals per agent, then one sheet per area.

Summary columns per agent (rows dated in the month): leads created and won, conversations,
validated sales (count and total), quotes (count and total), payment agreements (count and agreed
total), calls (count, answered, missed, talk time in minutes; see reports/calls.py); a last row adds them up.
Each area sheet is that export with its default columns (calls also per agent, with outcomes).
"""

from __future__ import annotations

from calendar import monthrange
from collections import defaultdict
from collections.abc import Callable
from datetime import date
from typing import IO, Any

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext as _
from openpyxl import Workbook

from accounts.models import User
from core.admin_tools import excel_row
from reports.calls import ANSWERED, MISSED
from reports.exports import (
    ExportParams,
    cell_value,
    export_queryset,
    export_registry,
    export_validate,
    export_write_sheet,
    sheet_add_header,
)

# kind -> (the user field the row belongs to, aggregates {summary key: expression})
AREA_TOTALS: dict[str, tuple[str, dict[str, Any]]] = {
    "leads": ("assignee", {"leads": Count("pk"), "leads_won": Count("pk", filter=Q(status="won"))}),
    "conversations": ("assignee", {"conversations": Count("pk")}),
    "sales": ("agent", {"sales": Count("pk", filter=Q(status="validated")),
                        "sales_total": Sum("total", filter=Q(status="validated"))}),
    "quotes": ("agent", {"quotes": Count("pk"), "quotes_total": Sum("total")}),
    "agreements": ("agent", {"agreements": Count("pk"), "agreements_total": Sum("agreed_total")}),
    "calls": ("agent", {"calls": Count("pk"), "calls_answered": Count("pk", filter=ANSWERED),
                        "calls_missed": Count("pk", filter=MISSED), "talk_seconds": Sum("duration", filter=ANSWERED)}),
}


def _summary_columns() -> list[tuple[str, str]]:
    return [
        ("leads", _("Leads created")),
        ("leads_won", _("Leads won")),
        ("conversations", _("Conversations")),
        ("sales", _("Validated sales")),
        ("sales_total", _("Sales total")),
        ("quotes", _("Quotes")),
        ("quotes_total", _("Quotes total")),
        ("agreements", _("Payment agreements")),
        ("agreements_total", _("Agreed total")),
        ("calls", _("Calls")),
        ("calls_answered", _("Calls answered")),
        ("calls_missed", _("Calls missed")),
        ("talk_minutes", _("Talk time (minutes)")),
    ]


def monthly_totals_per_agent(*, month: date, user: User | None) -> dict[int | None, dict[str, Any]]:
    """{user id or None (unassigned): {summary key: value}} for the month, one query per area."""
    registry = export_registry()
    params = ExportParams(date_from=month, date_to=month.replace(day=monthrange(month.year, month.month)[1]))
    totals: dict[int | None, dict[str, Any]] = defaultdict(dict)
    for kind, (owner, aggregates) in AREA_TOTALS.items():
        definition = registry.get(kind)
        if definition is None:
            continue
        rows = export_queryset(definition, params, user=user).order_by().values(owner).annotate(**aggregates)
        for row in rows:
            for key in aggregates:
                totals[row[owner]][key] = row[key] or 0
    for values in totals.values():
        if "talk_seconds" in values:
            values["talk_minutes"] = round(values.pop("talk_seconds") / 60, 1)
    return totals


def monthly_report_write(
    *, month: date, user: User | None, handle: IO[bytes], on_rows: Callable[[int], None] | None = None
) -> int:
    """Write the workbook for ``month`` (its first day) into ``handle``; returns the data rows written."""
    last_day = month.replace(day=monthrange(month.year, month.month)[1])
    workbook = Workbook(write_only=True)
    columns = _summary_columns()
    summary = workbook.create_sheet(title=_("Summary per agent")[:31])
    sheet_add_header(summary, [_("Agent"), *[label for _key, label in columns]])
    totals = monthly_totals_per_agent(month=month, user=user)
    names = {u.pk: str(u) for u in User.objects.filter(pk__in=[pk for pk in totals if pk is not None])}
    grand: dict[str, Any] = defaultdict(lambda: 0)
    ordered = sorted(totals.items(), key=lambda item: (item[0] is None, names.get(item[0] or 0, "")))
    for pk, values in ordered:
        label = names.get(pk, "") if pk is not None else _("Unassigned")
        summary.append(excel_row(summary, [label, *[cell_value(values.get(key, 0)) for key, _label in columns]]))
        for key, _label in columns:
            grand[key] += values.get(key) or 0
    grand = {key: round(value, 1) if isinstance(value, float) else value for key, value in grand.items()}
    summary.append(excel_row(summary, [_("Total"), *[cell_value(grand.get(key, 0)) for key, _label in columns]]))
    written = len(totals)
    for definition in export_registry().values():
        params = export_validate(definition, ExportParams(date_from=month, date_to=last_day))
        written += export_write_sheet(workbook, definition, params, user=user, on_rows=on_rows)
    workbook.save(handle)
    return written
