"""The first-response badge of a conversation, for the inbox row and the board's card.

``{% sla_badge c %}`` needs nothing from the view: the rules (targets, hours, holidays) are read once per
rendering and kept on the template context, so a page of 25 rows costs the same few queries as one row, and
only once a row has a customer waiting. The team comes from the row's ``select_related`` assignee and number.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import template
from django.utils import timezone
from django.utils.translation import gettext as _

from sla.selectors import SlaSetup, SlaState, conversation_sla_state, sla_setup

register = template.Library()

_SETUP_KEY = "_sla_setup"


def short_duration(minutes: int) -> str:
    """``5 min``, ``2 h``, ``3 d``: rounded, at least a minute."""
    minutes = max(1, abs(minutes))
    if minutes < 60:
        return _("%(n)d min") % {"n": minutes}
    hours = round(minutes / 60)
    if hours < 48:
        return _("%(n)d h") % {"n": hours}
    return _("%(n)d d") % {"n": round(hours / 24)}


def badge_label(state: SlaState) -> str:
    if state.minutes_left is None:
        return ""
    if state.state == "breached":
        return _("late %(time)s") % {"time": short_duration(state.minutes_left)}
    return _("reply in %(time)s") % {"time": short_duration(state.minutes_left)}


def _setup(context: template.Context, now: datetime) -> SlaSetup:
    """One setup per rendering (the inbox's rows share its context); loaded when the first waiting row asks."""
    setup = getattr(context, _SETUP_KEY, None)
    if setup is None:
        setup = sla_setup(now=now)
        setattr(context, _SETUP_KEY, setup)
    return setup


@register.inclusion_tag("sla/_badge.html", takes_context=True)
def sla_badge(context: template.Context, conversation: Any) -> dict[str, Any]:
    if getattr(conversation, "waiting_since", None) is None:
        return {"sla": None}
    now = timezone.now()
    state = conversation_sla_state(conversation, now=now, setup=_setup(context, now))
    if state.state == "none":
        return {"sla": None}
    return {"sla": state, "label": badge_label(state), "due_local": timezone.localtime(state.due_at)}
