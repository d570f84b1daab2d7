"""What the top bar of every page shows: unread notifications and chat messages (then kept live by live.js),
and the person's availability."""

from __future__ import annotations

from functools import cache
from typing import Any

from django.http import HttpRequest

from accounts.models import Availability
from chat.selectors import chat_unread_total
from notifications.services import unread_count


def topbar(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    # Counted only when a template shows them (the full pages' top bar), once each: partials fetched by the panel
    # (a row, a card) do not pay for them. A template calls a callable variable.
    return {
        "topbar_notifications_unread": cache(lambda: unread_count(user=user)),
        "topbar_chat_unread": cache(lambda: chat_unread_total(user=user)),
        "topbar_availability_choices": Availability.choices,
    }
