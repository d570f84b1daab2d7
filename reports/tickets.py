"""Tickets in reports: one row per ticket, with its SLA clocks and where each stands ("tickets").

Rows are scoped by the one role policy through ``tickets.selectors.ticket_visible_queryset`` (admins and back
office every ticket, supervisors their teams' and the unassigned ones). The SLA status column is the one the
pages show (``tickets.sla.ticket_sla``) at the moment of the export, worked out from the row's clocks alone.
"""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from reports.exports import ExportColumn, ExportDefinition, ExportFilter
from tickets.models import Priority, Ticket, TicketCategory
from tickets.selectors import ticket_visible_queryset
from tickets.services.sla import with_sla_warning_percent
from tickets.sla import ticket_sla

SLA_LABELS = {"ok": _("On time"), "warning": _("At risk"), "breached": _("Breached"), "met": _("Met"), "none": ""}
SLA_CLOCKS = {"first_response": _("first response"), "resolution": _("resolution"), "": ""}
_SLA_FIELDS = ("state", "created_at", "first_response_due_at", "resolution_due_at", "first_responded_at",
               "resolved_at", "closed_at", "is_resolution_breached", "is_first_response_breached",
               "sla_warning_percent")


def tickets_queryset(user: User | None) -> QuerySet[Ticket]:
    """Every ticket for ops (``None``), else the tickets ``user`` may see."""
    qs = Ticket.objects.all() if user is None else ticket_visible_queryset(user=user).select_related(None)
    return with_sla_warning_percent(qs)  # the priority's policy, for the SLA status columns


def _categories(user: User | None) -> list[tuple[str, str]]:
    return [(str(c.pk), c.name) for c in TicketCategory.objects.order_by("name")]


def _sla(row: dict[str, Any]) -> Any:
    ticket = SimpleNamespace(**{f: row[f] for f in _SLA_FIELDS}, is_active=row["state"] in Ticket.ACTIVE_STATES)
    return ticket_sla(ticket, timezone.now())  # type: ignore[arg-type]


def _sla_state(row: dict[str, Any]) -> str:
    return str(SLA_LABELS.get(_sla(row).state, ""))


def _sla_clock(row: dict[str, Any]) -> str:
    return str(SLA_CLOCKS.get(_sla(row).which, ""))


def _sla_minutes_left(row: dict[str, Any]) -> float | None:
    remaining = _sla(row).remaining_seconds
    return None if remaining is None else round(remaining / 60, 1)


def _minutes(start: str, end: str) -> Callable[[dict[str, Any]], float | None]:
    def minutes(row: dict[str, Any]) -> float | None:
        a, b = row.get(start), row.get(end)
        return None if a is None or b is None else round((b - a).total_seconds() / 60, 1)

    return minutes


def _display(source: str, choices: Any) -> Callable[[dict[str, Any]], str]:
    labels = dict(choices)
    return lambda row: str(labels.get(row[source], row[source] or ""))


def _person(key: str, label: Any, prefix: str) -> ExportColumn:
    fields = (f"{prefix}__first_name", f"{prefix}__last_name", f"{prefix}__username")

    def name(row: dict[str, Any]) -> str:
        return f"{row[fields[0]] or ''} {row[fields[1]] or ''}".strip() or row[fields[2]] or ""

    return ExportColumn(key, label, compute=name, needs=fields)


def ticket_definition(people: Callable[[User | None], Any]) -> ExportDefinition:
    return ExportDefinition(
        kind="tickets",
        label=_("Tickets"),
        queryset=tickets_queryset,
        date_field="created_at",
        columns=(
            ExportColumn("number", _("number"), compute=lambda row: f"TK-{row['pk']:06d}", needs=("pk",)),
            ExportColumn("created_at", _("created at"), "created_at"),
            ExportColumn("subject", _("subject"), "subject"),
            ExportColumn("state", _("state"), compute=_display("state", Ticket.State.choices), needs=("state",)),
            ExportColumn("priority", _("priority"), compute=_display("priority", Priority.choices),
                         needs=("priority",)),
            ExportColumn("category", _("category"), "category__name"),
            ExportColumn("source", _("source"), compute=_display("source", Ticket.Source.choices),
                         needs=("source",), default=False),
            ExportColumn("team", _("team"), "team__name"),
            _person("assignee", _("assignee"), "assignee"),
            ExportColumn("contact", _("contact"), "contact__name"),
            ExportColumn("phone", _("phone"), "contact__phone"),
            ExportColumn("conversation", _("conversation"), "conversation_id", default=False),
            ExportColumn("lead", _("lead"), "lead_id", default=False),
            ExportColumn("call", _("call"), "call_id", default=False),
            ExportColumn("sale", _("sale"), "sale__number", default=False),
            ExportColumn("sla_status", _("SLA status"), compute=_sla_state, needs=_SLA_FIELDS),
            ExportColumn("sla_clock", _("SLA clock"), compute=_sla_clock, needs=_SLA_FIELDS),
            ExportColumn("sla_minutes_left", _("SLA minutes left"), compute=_sla_minutes_left, needs=_SLA_FIELDS),
            ExportColumn("first_response_due_at", _("first response due"), "first_response_due_at"),
            ExportColumn("first_responded_at", _("first response at"), "first_responded_at"),
            ExportColumn("first_response_minutes", _("first response (minutes)"),
                         compute=_minutes("created_at", "first_responded_at"),
                         needs=("created_at", "first_responded_at")),
            ExportColumn("first_response_late", _("first response late"), "is_first_response_breached"),
            ExportColumn("resolution_due_at", _("resolution due"), "resolution_due_at"),
            ExportColumn("resolved_at", _("resolved at"), "resolved_at"),
            ExportColumn("resolution_minutes", _("resolution (minutes)"),
                         compute=_minutes("created_at", "resolved_at"), needs=("created_at", "resolved_at")),
            ExportColumn("resolution_late", _("resolution late"), "is_resolution_breached"),
            ExportColumn("closed_at", _("closed at"), "closed_at", default=False),
            ExportColumn("reopen_count", _("times reopened"), "reopen_count", default=False),
        ),
        filters=(
            ExportFilter("state", _("state"), "state", lambda user: Ticket.State.choices),
            ExportFilter("priority", _("priority"), "priority", lambda user: Priority.choices),
            ExportFilter("category", _("category"), "category_id", _categories),
            ExportFilter("assignee", _("assignee"), "assignee_id", people),
        ),
    )
