"""The dashboard's filter bar: a date range with presets, team, agent, channel and operator.

The form only draws the bar (its choices are what the user may see, so nobody is offered a team that is not
theirs); the request's parameters are read and checked by ``dashboard.analytics.filters_from_params``, the one
parser the page, its downloads and the analytics API share. The fields carry the API's parameter names
(``from``, ``to``, ``team``, ``agent``, ``channel``, ``operator``), so a link copied from the page works there too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from conversations.models import Channel
from dashboard.analytics import visible_people, visible_teams
from operators.models import Operator

#: The request parameters the filter bar sends (and the analytics API reads).
PARAMS = ("from", "to", "team", "agent", "channel", "operator")

_DATE = {"type": "date", "class": "form-control form-control-sm"}
_SELECT = {"class": "form-select form-select-sm", "data-autosubmit": ""}


def filter_choices(user: User) -> dict[str, list[tuple[int | str, str]]]:
    """The teams, people, channels and operators ``user`` may narrow the dashboard to: the same teams and people
    ``filters_from_params`` accepts from them."""
    operators = Operator.objects.filter(is_active=True).order_by("name").only("pk", "name")
    return {
        "teams": [(t.pk, t.name) for t in visible_teams(user)],
        "agents": sorted(((u.pk, str(u)) for u in visible_people(user)), key=lambda choice: choice[1].lower()),
        "channels": list(Channel.choices),
        "operators": [(o.pk, o.name) for o in operators],
    }


class DashboardFilterForm(forms.Form):
    """Bound to the request's GET parameters so the bar shows what was asked, valid or not. It is never
    validated itself: ``problems`` holds what ``filters_from_params`` said of each parameter."""

    def __init__(self, *args: Any, choices: dict[str, list[tuple[int | str, str]]],
                 problems: dict[str, list[str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.problems = problems or {}
        self.fields["from"] = forms.DateField(label=_("From"), required=False,
                                              widget=forms.DateInput(attrs=_DATE, format="%Y-%m-%d"))
        self.fields["to"] = forms.DateField(label=_("To"), required=False,
                                            widget=forms.DateInput(attrs=_DATE, format="%Y-%m-%d"))
        self.fields["team"] = forms.ChoiceField(label=_("Team"), required=False, widget=forms.Select(attrs=_SELECT),
                                                choices=[("", _("All teams")), *choices["teams"]])
        self.fields["agent"] = forms.ChoiceField(label=_("Agent"), required=False, widget=forms.Select(attrs=_SELECT),
                                                 choices=[("", _("All agents")), *choices["agents"]])
        self.fields["channel"] = forms.ChoiceField(label=_("Channel"), required=False,
                                                   widget=forms.Select(attrs=_SELECT),
                                                   choices=[("", _("All channels")), *choices["channels"]])
        self.fields["operator"] = forms.ChoiceField(label=_("Operator"), required=False,
                                                    widget=forms.Select(attrs=_SELECT),
                                                    choices=[("", _("All operators")), *choices["operators"]])

    def bar(self) -> list[tuple[forms.BoundField, list[str]]]:
        """Each field with what was wrong with it (its input marked invalid)."""
        fields = []
        for name in PARAMS:
            bound = self[name]
            problems = self.problems.get(name, [])
            if problems:
                css = bound.field.widget.attrs.get("class", "")
                bound.field.widget.attrs["class"] = f"{css} is-invalid".strip()
                bound.field.widget.attrs["aria-describedby"] = f"error-{name}"
            fields.append((bound, problems))
        return fields


@dataclass(frozen=True)
class Preset:
    key: str
    label: str | Promise
    date_from: date
    date_to: date
    url: str
    is_active: bool


def date_presets(*, today: date, params: Any, current: tuple[date, date] | None) -> list[Preset]:
    """Today, the last 7 and 30 days and this month, as links that keep the other filters."""
    ranges = [
        ("today", _("Today"), today, today),
        ("7d", _("Last 7 days"), today - timedelta(days=6), today),
        ("30d", _("Last 30 days"), today - timedelta(days=29), today),
        ("month", _("This month"), today.replace(day=1), today),
    ]
    kept = [(key, params.get(key)) for key in PARAMS if key not in ("from", "to") and params.get(key)]
    presets = []
    for key, label, start, end in ranges:
        query = urlencode([("from", start.isoformat()), ("to", end.isoformat()), *kept])
        presets.append(Preset(key=key, label=label, date_from=start, date_to=end, url=f"?{query}",
                              is_active=current == (start, end)))
    return presets


def filter_query(params: Any) -> str:
    """The request's filter parameters (only those), for the download links and presets."""
    return urlencode([(key, params.get(key)) for key in PARAMS if params.get(key)])
