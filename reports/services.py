"""Running exports: the role check, the workbook, and the record of who exported what."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import IO

from django.utils import timezone

from accounts.audit import audit_record
from accounts.models import AuditKind, User
from reports.exports import (
    ExportParams,
    export_check_allowed,
    export_get,
    export_validate,
    export_write,
)
from reports.models import ExportLog


@dataclass(frozen=True)
class ExportResult:
    kind: str
    rows: int
    filename: str
    params: ExportParams


def export_filename(kind: str, *, day: date | None = None) -> str:
    return f"{kind}-{(day or timezone.localdate()).isoformat()}.xlsx"


def export_audit(*, actor: User | None, log: ExportLog) -> None:
    """The export in the audit log too, beside the other actions (the entry points to ``log``)."""
    audit_record(actor=actor, action=AuditKind.EXPORT, obj=log,
                 data={"kind": log.kind, "rows": log.row_count, "source": log.source, "params": log.params})


def export_run(
    *,
    actor: User | None,
    kind: str,
    params: ExportParams,
    handle: IO[bytes],
    source: str = "admin",
    on_rows: Callable[[int], None] | None = None,
) -> ExportResult:
    """Write the ``kind`` export into ``handle`` and record it. Agents are refused."""
    export_check_allowed(user=actor)
    definition = export_get(kind)
    params = export_validate(definition, params, user=actor)
    rows = export_write(definition, params, user=actor, handle=handle, on_rows=on_rows)
    log = ExportLog.objects.create(user=actor, kind=kind, params=params.as_json(), row_count=rows, source=source)
    export_audit(actor=actor, log=log)
    return ExportResult(kind=kind, rows=rows, filename=export_filename(kind), params=params)


def monthly_report_run(
    *,
    actor: User | None,
    month: date,
    handle: IO[bytes],
    source: str = "command",
    on_rows: Callable[[int], None] | None = None,
) -> ExportResult:
    """The consolidated monthly workbook (see ``reports.monthly``), recorded like any export."""
    from reports.monthly import monthly_report_write

    export_check_allowed(user=actor)
    month = month.replace(day=1)
    rows = monthly_report_write(month=month, user=actor, handle=handle, on_rows=on_rows)
    params = ExportParams(date_from=month)
    log = ExportLog.objects.create(user=actor, kind="monthly", params=params.as_json(), row_count=rows,
                                   source=source)
    export_audit(actor=actor, log=log)
    return ExportResult(kind="monthly", rows=rows, filename=f"reporte-{month:%Y-%m}.xlsx", params=params)
