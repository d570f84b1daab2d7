"""What the top bar and the side menu of every page show: unread notifications and chat messages (then kept live
by live.js), the person's availability, and the menu of their role (``panel.navigation``)."""

from __future__ import annotations

from functools import cache
from typing import Any

from django.http import HttpRequest

from accounts.models import Availability
from chat.selectors import chat_unread_total
from notifications.services import unread_count
from panel.navigation import is_compact_page, navigation_for

# The cookie crm.js sets when someone folds the side menu to its icons on a wide screen (read here, so the page
# is drawn folded from the start instead of jumping once the script runs).
NAV_FOLDED_COOKIE = "crm_nav"


def topbar(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    # Counted only when a template shows them (the full pages' top bar), once each: partials fetched by the panel
    # (a row, a card) do not pay for them. A template calls a callable variable.
    chat_unread = cache(lambda: chat_unread_total(user=user))
    return {
        "topbar_notifications_unread": cache(lambda: unread_count(user=user)),
        "topbar_chat_unread": chat_unread,
        "topbar_availability_choices": Availability.choices,
        "nav_sections": cache(lambda: navigation_for(user=user, match=getattr(request, "resolver_match", None),
                                                     counted={"internal-chat": chat_unread})),
        "nav_folded": request.COOKIES.get(NAV_FOLDED_COOKIE) == "folded",
        "nav_compact": is_compact_page(getattr(request, "resolver_match", None)),
    }
