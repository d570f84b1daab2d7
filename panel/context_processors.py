"""What the top bar of every page shows: unread notifications and chat messages (then kept live by live.js)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from chat.selectors import chat_unread_total
from notifications.services import unread_count


def topbar(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "topbar_notifications_unread": unread_count(user=user),
        "topbar_chat_unread": chat_unread_total(user=user),
    }
