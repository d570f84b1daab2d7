"""The collector's pages: the contact status badge (one colour per status) and paid percentages."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from agreements.models import ContactStatus

register = template.Library()

STATUS_COLOURS = {
    ContactStatus.NOT_CONTACTED: "secondary",
    ContactStatus.CONTACTED: "info",
    ContactStatus.NO_ANSWER: "warning",
    ContactStatus.WRONG_NUMBER: "dark",
    ContactStatus.PROMISE_TO_PAY: "success",
    ContactStatus.REFUSED: "danger",
    ContactStatus.AGREEMENT: "primary",
}
STATUS_LABELS = dict(ContactStatus.choices)


@register.filter
def status_colour(status: str) -> str:
    return STATUS_COLOURS.get(status, "secondary")


@register.simple_tag
def status_badge(status: str, element_id: str = "") -> SafeString:
    """``<span class="badge text-bg-…" data-status="…">Label</span>``; ``element_id`` for the debt page's one."""
    colour = STATUS_COLOURS.get(status, "secondary")  # type: ignore[call-overload]
    label = STATUS_LABELS.get(status, status)  # type: ignore[call-overload]
    if element_id:
        return format_html('<span class="badge status-badge text-bg-{}" id="{}" data-status="{}">{}</span>',
                           colour, element_id, status, label)
    return format_html('<span class="badge status-badge text-bg-{}" data-status="{}">{}</span>', colour, status,
                       label)


@register.filter
def percent_of(part: Any, whole: Any) -> int:
    """``part`` as a whole percentage of ``whole``, 0 to 100 (for the ``w-pct-N`` bar classes)."""
    try:
        if not whole:
            return 0
        return max(0, min(100, int(100 * part / whole)))
    except (TypeError, ValueError, ArithmeticError):
        return 0
