"""Display helpers for calls in the chat panel: durations, the recording's playback URL, call state colours."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import NoReverseMatch, reverse

register = template.Library()

STATUS_BADGES = {
    "queued": "text-bg-warning", "ringing": "text-bg-warning", "in-progress": "text-bg-success",
    "completed": "text-bg-secondary", "busy": "text-bg-danger", "no-answer": "text-bg-danger",
    "failed": "text-bg-danger", "canceled": "text-bg-secondary",
}
SENTIMENT_BADGES = {"positive": "text-bg-success", "neutral": "text-bg-light border", "negative": "text-bg-danger"}


@register.filter
def call_duration(seconds: Any) -> str:
    """``95`` -> ``1:35``; ``3725`` -> ``1:02:05``."""
    try:
        total = max(0, int(seconds or 0))
    except (TypeError, ValueError):
        return "0:00"
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


@register.filter
def call_status_badge(status: str) -> str:
    return STATUS_BADGES.get(status or "", "text-bg-light border")


@register.filter
def sentiment_badge(sentiment: str) -> str:
    return SENTIMENT_BADGES.get(sentiment or "", "text-bg-light border")


@register.filter
def recording_url(recording: Any) -> str:
    """The permission-checked playback URL of a stored recording ("" when playback is not available)."""
    try:
        return reverse("calls:recording-audio", kwargs={"pk": recording.pk})
    except NoReverseMatch:
        return ""


@register.filter
def keyword_text(item: Any) -> str:
    """A keyword the AI found, whether stored as text or as ``{"phrase": ..., "kind": ...}``."""
    if isinstance(item, dict):
        return str(item.get("phrase") or item.get("keyword") or item.get("text") or "")
    return str(item)
