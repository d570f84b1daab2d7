"""The panel's "Satisfaction" block: the customer's last ratings and the survey of this conversation, in the
conversation's sidebar (``{% conversation_csat conversation %}``: the panel views need no extra context)."""

from __future__ import annotations

from typing import Any

from django import template

from csat.models import CsatSurvey
from csat.selectors import contact_csat_recent, conversation_csat_latest

register = template.Library()

PANEL_RATINGS = 5


@register.filter
def csat_stars(rating: Any) -> str:
    """"★★★★☆" for a 4; "" for no rating."""
    try:
        value = int(rating)
    except (TypeError, ValueError):
        return ""
    return "★" * value + "☆" * (5 - value) if 1 <= value <= 5 else ""


@register.filter
def csat_colour(rating: Any) -> str:
    try:
        value = int(rating)
    except (TypeError, ValueError):
        return "secondary"
    return "danger" if value <= 2 else "warning" if value == 3 else "success"


@register.inclusion_tag("csat/_panel_csat.html")
def conversation_csat(conversation: Any) -> dict[str, Any]:
    """The customer's last ratings (any conversation) and, when it is not among them, where this conversation's
    own survey stands (asked and waiting, no answer, not asked)."""
    if conversation is None or not getattr(conversation, "pk", None):
        return {"ratings": [], "current": None}
    ratings = contact_csat_recent(contact_id=conversation.contact_id, limit=PANEL_RATINGS)
    current = conversation_csat_latest(conversation_id=conversation.pk)
    if current is not None and (current.state == CsatSurvey.State.ANSWERED or current.pk in {r.pk for r in ratings}):
        current = None
    return {"ratings": ratings, "current": current, "conversation": conversation}
