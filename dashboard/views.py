"""The supervisors' dashboard (``/dashboard/``) and its downloads (``/dashboard/export/<key>.<csv|xlsx>``).

Supervisors see their teams and admins everything; agents and back office get the 403 page. The request's
filters are read by ``dashboard.analytics.filters_from_params`` and the figures come from
``dashboard.analytics.dashboard_data`` (both scoped by the one role policy); this module only checks who may
look, renders, and turns a figure into a file. The charts draw from a ``json_script`` block with the vendored
Chart.js (``static/dashboard/dashboard.js``): the Content Security Policy allows no inline script.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.policy import sees_everything
from core.errors import ApplicationError
from dashboard.analytics import analytics_allowed, dashboard_data, filters_from_params
from dashboard.exports import CONTENT_TYPES, export_filename, figure_export
from dashboard.forms import DashboardFilterForm, date_presets, filter_choices, filter_query
from dashboard.presenters import (
    HEAT_LEVELS,
    chart_payload,
    chart_strings,
    dashboard_sections,
    sections_are_empty,
    table_view,
)
from dashboard.types import SECTIONS, TABLE_KEYS, Filters


def dashboard_allowed(user: User) -> bool:
    """Supervisors (their teams) and admins (everything); not agents, not back office."""
    return analytics_allowed(user)


@dataclass(frozen=True)
class Asked:
    """The request's filters, or why they cannot be used: the message, each parameter's problems, the status."""

    filters: Filters | None
    error: str = ""
    problems: dict[str, list[str]] = field(default_factory=dict)
    status: int = 200


def _asked(request: HttpRequest) -> Asked:
    try:
        return Asked(filters=filters_from_params(request.GET, user=request.user))
    except PermissionDenied:
        return Asked(filters=None, error=_("You may not see the team or agent asked for."), status=403)
    except ApplicationError as exc:
        problems = exc.extra.get("errors") or {}
        return Asked(filters=None, error=str(exc.message), status=403 if exc.code == "forbidden_filter" else 400,
                     problems={str(k): [str(m) for m in v] for k, v in problems.items()})


def _chosen_label(choices: list[tuple[int | str, str]], value: object) -> str:
    return next((str(label) for key, label in choices if str(key) == str(value)), "")


def _active_filters(filters: Filters, choices: dict[str, list[tuple[int | str, str]]]) -> list[tuple[str, str]]:
    """The narrowing the header names: (what, which)."""
    found = [
        (_("Team"), _chosen_label(choices["teams"], filters.team_id) if filters.team_id else ""),
        (_("Agent"), _chosen_label(choices["agents"], filters.agent_id) if filters.agent_id else ""),
        (_("Channel"), _chosen_label(choices["channels"], filters.channel) if filters.channel else ""),
        (_("Operator"), _chosen_label(choices["operators"], filters.operator_id) if filters.operator_id else ""),
    ]
    return [(what, which) for what, which in found if which]


@login_required
def index(request: HttpRequest) -> HttpResponse:
    if not dashboard_allowed(request.user):
        raise PermissionDenied
    choices = filter_choices(request.user)
    asked = _asked(request)
    filters = asked.filters
    data = dashboard_data(user=request.user, filters=filters) if filters is not None else None
    form_data = request.GET.copy()
    if filters is not None:  # the bar shows the range in use, defaults included
        form_data.setdefault("from", filters.date_from.isoformat())
        form_data.setdefault("to", filters.date_to.isoformat())
    form = DashboardFilterForm(form_data, choices=choices, problems=asked.problems)
    sections = dashboard_sections(data) if data is not None else []
    leaderboard = data.table("leaderboard") if data is not None else None
    span: tuple[date, date] | None = (filters.date_from, filters.date_to) if filters is not None else None
    return render(request, "dashboard/index.html", {
        "form": form,
        "filters": filters,
        "error": asked.error,
        "sections": sections,
        "leaderboard": table_view(leaderboard) if leaderboard is not None else None,
        "is_empty": data is not None and sections_are_empty(sections),
        "active_filters": _active_filters(filters, choices) if filters is not None else [],
        "presets": date_presets(today=timezone.localdate(), params=request.GET, current=span),
        "query": filter_query(form_data),
        "span_days": (filters.date_to - filters.date_from).days + 1 if filters is not None else 0,
        "scope_everything": sees_everything(request.user),
        "heat_levels": range(HEAT_LEVELS),
        "chart_data": chart_payload(sections),
        "chart_strings": chart_strings(),
    }, status=asked.status)


def _figure_keys() -> set[str]:
    return {key for keys in SECTIONS.values() for key in keys} | set(TABLE_KEYS)


@login_required
def export(request: HttpRequest, key: str, fmt: str) -> HttpResponse:
    """One chart (labels down, series across) or the leaderboard, for the same filters as the page."""
    if not dashboard_allowed(request.user):
        raise PermissionDenied
    if key not in _figure_keys() or fmt not in CONTENT_TYPES:
        raise Http404
    asked = _asked(request)
    filters = asked.filters
    if filters is None:
        return HttpResponse(asked.error, status=asked.status, content_type="text/plain; charset=utf-8")
    data = dashboard_data(user=request.user, filters=filters)
    figure = data.chart(key) or data.table(key)
    if figure is None:
        raise Http404
    name = export_filename(key, fmt, parts=(filters.date_from.isoformat(), filters.date_to.isoformat()))
    response = HttpResponse(figure_export(figure, fmt), content_type=CONTENT_TYPES[fmt])  # type: ignore[arg-type]
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response
