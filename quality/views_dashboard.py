"""The quality dashboard: audit scores and speech analytics for supervisors (their teams), admins and back office.

The figures come from ``quality.analytics`` (scoped by the one role policy); this view parses the filters and
renders. Charts read their numbers from a ``json_script`` block (the CSP allows no inline script) and draw
them with the vendored Chart.js (``static/quality/dashboard.js``); every chart has a table with the same
numbers beside it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.policy import Reach, role_reach
from quality.analytics import QualityFilters, filter_choices, quality_dashboard

DEFAULT_DAYS = 90


_DATE = forms.DateInput(attrs={"type": "date", "class": "form-control form-control-sm"}, format="%Y-%m-%d")
_SELECT = forms.Select(attrs={"class": "form-select form-select-sm"})


class DashboardFilterForm(forms.Form):
    date_from = forms.DateField(label=_("From"), required=False, widget=_DATE)
    date_to = forms.DateField(label=_("To"), required=False, widget=_DATE)
    team = forms.TypedChoiceField(label=_("Team"), required=False, coerce=int, empty_value=None, widget=_SELECT)
    agent = forms.TypedChoiceField(label=_("Agent"), required=False, coerce=int, empty_value=None, widget=_SELECT)
    matrix = forms.TypedChoiceField(label=_("Scorecard"), required=False, coerce=int, empty_value=None,
                                    widget=_SELECT)

    def __init__(self, *args: Any, choices: dict[str, list[tuple[int, str]]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        everyone = [("", _("Any"))]
        self.fields["team"].choices = everyone + choices["teams"]
        self.fields["agent"].choices = everyone + choices["agents"]
        self.fields["matrix"].choices = everyone + choices["matrices"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError(_("The start date must be on or before the end date."))
        return data


def dashboard_allowed(user: User) -> bool:
    """Supervisors (their teams), admins and back office; agents see their own audits on the audit pages."""
    return role_reach(user) in (Reach.TEAMS, Reach.EVERYTHING)


def chart_strings() -> dict[str, str]:
    """The charts' legends, in the user's language (the drawing code has no text of its own)."""
    return {
        "average_score": str(_("Average score")), "pass_rate": str(_("Pass rate")),
        "average_pct": str(_("Average (%)")), "failure_share": str(_("Failures (%)")),
        "ai_agreement": str(_("Agreement with the AI")),
        "positive": str(_("Positive")), "neutral": str(_("Neutral")), "negative": str(_("Negative")),
        "talk": str(_("Talk (%)")), "silence": str(_("Silence (%)")),
        "agent_talk": str(_("Agent's share of the talk (%)")),
    }


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    if not dashboard_allowed(request.user):
        raise PermissionDenied
    today = timezone.localdate()
    initial = {"date_from": today - timedelta(days=DEFAULT_DAYS - 1), "date_to": today}
    data = request.GET if request.GET else None
    form = DashboardFilterForm(data, initial=initial, choices=filter_choices(request.user))
    if data is not None and form.is_valid():
        values = form.cleaned_data
        filters = QualityFilters(date_from=values["date_from"], date_to=values["date_to"], team_id=values["team"],
                                 agent_id=values["agent"], matrix_id=values["matrix"])
    else:
        filters = QualityFilters(date_from=initial["date_from"], date_to=initial["date_to"])
    figures = quality_dashboard(user=request.user, filters=filters) if not form.errors else None
    return render(request, "quality/dashboard.html", {
        "form": form, "filters": filters, "figures": figures,
        "chart_data": figures.chart_data() if figures is not None else {},
        "chart_strings": chart_strings(),
    }, status=400 if form.errors else 200)
