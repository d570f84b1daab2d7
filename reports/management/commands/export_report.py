"""``manage.py export_report <kind> --from --to --columns --filter key=value --output FILE``.

Kinds: the registered exports (leads, conversations, sales, quotes, agreements, calls, calls_per_agent) and ``monthly``
(``--month 2026-10``: the consolidated workbook). Runs as ops (every row); ``--user`` scopes it
to what that person may see and refuses agents.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from accounts.models import User
from core.errors import ApplicationError
from reports.exports import (
    ExportParams,
    export_check_allowed,
    export_count,
    export_get,
    export_registry,
    export_validate,
)
from reports.services import export_filename, export_run, monthly_report_run


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"not a date (YYYY-MM-DD): {value!r}") from exc


def _month(value: str) -> date:
    try:
        return date.fromisoformat(f"{value}-01")
    except ValueError as exc:
        raise CommandError(f"not a month (YYYY-MM): {value!r}") from exc


class Command(BaseCommand):
    help = ("Export leads, conversations, sales, quotes, agreements, calls or calls per agent to Excel, or the "
            "monthly report.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", help="leads, conversations, sales, quotes, agreements, calls, calls_per_agent "
                                             "or monthly")
        parser.add_argument("--from", dest="date_from", help="first day, YYYY-MM-DD")
        parser.add_argument("--to", dest="date_to", help="last day (included), YYYY-MM-DD")
        parser.add_argument("--month", help="for monthly: YYYY-MM")
        parser.add_argument("--columns", default="", help="comma-separated column keys (default: the usual ones)")
        parser.add_argument("--filter", action="append", default=[], metavar="KEY=VALUE",
                            help="a type filter, e.g. --filter status=validated (repeatable)")
        parser.add_argument("--output", help="the .xlsx to write (default: <kind>-<today>.xlsx)")
        parser.add_argument("--user", help="username whose visibility applies (default: every row)")
        parser.add_argument("--list-columns", action="store_true", help="print the columns and filters of kind")
        parser.add_argument("--no-progress", action="store_true", help="Do not draw the progress bar.")

    def handle(self, *args: object, **opts: object) -> None:
        kind = str(opts["kind"])
        actor = None
        if opts["user"]:
            actor = User.objects.filter(username=opts["user"]).first()
            if actor is None:
                raise CommandError(f"no user {opts['user']!r}")
        try:
            export_check_allowed(user=actor)
            if opts["list_columns"]:
                self._list(kind, actor)
                return
            if kind == "monthly":
                self._monthly(actor, opts)
            else:
                self._export(kind, actor, opts)
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc

    def _list(self, kind: str, actor: User | None) -> None:
        definition = export_get(kind)
        for column in definition.columns:
            mark = "*" if column.default else " "
            self.stdout.write(f"{mark} {column.key:<28} {column.label}")
        for spec in definition.filters:
            values = ", ".join(str(v) for v, _label in spec.choices(actor))
            self.stdout.write(f"  --filter {spec.key}=…  ({values})")

    def _export(self, kind: str, actor: User | None, opts: dict[str, object]) -> None:
        if kind not in export_registry():
            raise CommandError(f"unknown kind {kind!r}; choose from: {', '.join([*export_registry(), 'monthly'])}")
        filters = {}
        for item in opts["filter"]:  # type: ignore[attr-defined]
            key, sep, value = str(item).partition("=")
            if not sep:
                raise CommandError(f"--filter needs KEY=VALUE, got {item!r}")
            filters[key.strip()] = value.strip()
        params = ExportParams(
            date_from=_date(str(opts["date_from"])) if opts["date_from"] else None,
            date_to=_date(str(opts["date_to"])) if opts["date_to"] else None,
            filters=filters,
            columns=tuple(c.strip() for c in str(opts["columns"]).split(",") if c.strip()),
        )
        definition = export_get(kind)
        total = export_count(definition, export_validate(definition, params, user=actor), user=actor)
        output = Path(str(opts["output"] or export_filename(kind)))
        try:
            with output.open("wb") as handle, tqdm(total=total, unit="row", disable=bool(opts["no_progress"]),
                                                   file=self.stderr) as bar:
                result = export_run(actor=actor, kind=kind, params=params, handle=handle, source="command",
                                    on_rows=bar.update)
        except BaseException:
            output.unlink(missing_ok=True)
            raise
        self.stdout.write(self.style.SUCCESS(f"{result.rows} rows written to {output}"))

    def _monthly(self, actor: User | None, opts: dict[str, object]) -> None:
        if not opts["month"]:
            raise CommandError("monthly needs --month YYYY-MM")
        month = _month(str(opts["month"]))
        output = Path(str(opts["output"] or f"reporte-{month:%Y-%m}.xlsx"))
        try:
            with output.open("wb") as handle, tqdm(unit="row", disable=bool(opts["no_progress"]),
                                                   file=self.stderr) as bar:
                result = monthly_report_run(actor=actor, month=month, handle=handle, on_rows=bar.update)
        except BaseException:
            output.unlink(missing_ok=True)
            raise
        self.stdout.write(self.style.SUCCESS(f"{result.rows} rows written to {output}"))
