"""The side menu, as data: which modules each role sees, in which section, with which icon and counter.

An entry names its page by URL name and the roles it is for (``role_of`` folds a superuser into admin), may
require staff or a permission on top, and may carry a counter (a callable, run only when a page draws the
menu, once). ``navigation_for`` turns the entries into what ``templates/base.html`` draws for one request:
the entries that user may open, each with its link and whether it is the page being shown.

The menu offers; it does not guard. Every page still checks who may open it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache

from django.urls import NoReverseMatch, ResolverMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, User
from chat.selectors import chat_unread_total
from tickets.models import Ticket
from tickets.selectors import ticket_visible_queryset

logger = logging.getLogger(__name__)

AGENT, BACKOFFICE, SUPERVISOR, ADMIN = Role.AGENT.value, Role.BACKOFFICE.value, Role.SUPERVISOR.value, Role.ADMIN.value
EVERY_ROLE = frozenset({AGENT, BACKOFFICE, SUPERVISOR, ADMIN})
SELLERS = frozenset({AGENT, SUPERVISOR, ADMIN})  # the people who work conversations and leads
LEADERS = frozenset({SUPERVISOR, ADMIN})

# 16×16 outline icons (stroke paths), drawn inline so no font or CDN is needed.
ICONS: dict[str, tuple[str, ...]] = {
    "dashboard": ("M2 14V9h3v5z", "M6.5 14V5h3v9z", "M11 14V2h3v12z"),
    "inbox": ("M2 9h3l1 2h4l1-2h3", "M3.5 3h9L14 9v4H2V9z"),
    "leads": ("M8 7.5a2.5 2.5 0 1 0 0-5 2.5 2.5 0 0 0 0 5z", "M3 14c0-2.8 2.2-4.5 5-4.5s5 1.7 5 4.5"),
    "pipeline": ("M2 2.5h3.5v11H2z", "M6.25 2.5h3.5v7h-3.5z", "M10.5 2.5H14v4.5h-3.5z"),
    "sales": ("M1 2h2l2 8h8l1.5-6H4", "M6 13.5a.5.5 0 1 0 0-1 .5.5 0 0 0 0 1z",
              "M12 13.5a.5.5 0 1 0 0-1 .5.5 0 0 0 0 1z"),
    "commissions": ("M1.5 4h13v8h-13z", "M8 10a2 2 0 1 0 0-4 2 2 0 0 0 0 4z", "M3.5 6v4M12.5 6v4"),
    "tickets": ("M2 4h12v2.5a1.5 1.5 0 0 0 0 3V12H2V9.5a1.5 1.5 0 0 0 0-3z", "M10 4.5v1M10 7.5v1M10 10.5v1"),
    "collections": ("M1.5 3.5h13v9h-13z", "M1.5 6.5h13", "M4 10h3"),
    "chat": ("M2 3h12v8H7l-3 3v-3H2z",),
    "quality": ("M8 1.5l1.9 4 4.3.5-3.2 3 .9 4.3L8 11.2l-3.9 2.1.9-4.3-3.2-3 4.3-.5z",),
    "backoffice": ("M8 5.5a2.5 2.5 0 1 0 0 5 2.5 2.5 0 0 0 0-5z",
                   "M8 1.5v2M8 12.5v2M1.5 8h2M12.5 8h2",
                   "M3.4 3.4l1.4 1.4M11.2 11.2l1.4 1.4M3.4 12.6l1.4-1.4M11.2 4.8l1.4-1.4"),
    "api": ("M5 4 1.5 8 5 12", "M11 4l3.5 4-3.5 4", "M9.5 2.5l-3 11"),
}


def _tickets_open_mine(user: User) -> int:
    """The user's own tickets still to work (open, in progress, reopened)."""
    return ticket_visible_queryset(user=user).filter(assignee=user, state__in=Ticket.ACTIVE_STATES).count()


def _chat_unread(user: User) -> int:
    return chat_unread_total(user=user)


@dataclass(frozen=True)
class NavEntry:
    """One module in the menu. ``active`` lists the URL names (``"ns:name"``) or whole namespaces (``"ns:"``) under
    which the entry is the current one; when several entries match, the most specific pattern wins."""

    key: str
    label: Promise | str
    url_name: str
    icon: str
    roles: frozenset[str]
    section: str
    active: tuple[str, ...] = ()
    staff_only: bool = False
    permission: str = ""
    badge: Callable[[User], int] | None = None
    badge_title: Promise | str = ""
    badge_mirror: str = ""  # the id of a live counter elsewhere on the page this badge follows (crm.js)

    @property
    def element_id(self) -> str:
        return f"nav-{self.key}"


SECTIONS: dict[str, Promise] = {
    "work": _("Work"),
    "team": _("Team"),
    "admin": _("Administration"),
}

ENTRIES: tuple[NavEntry, ...] = (
    NavEntry("dashboard", _("Dashboard"), "dashboard:index", "dashboard", LEADERS, "work", active=("dashboard:",)),
    NavEntry("panel", _("Panel"), "panel:inbox", "inbox", SELLERS, "work", active=("panel:",)),
    NavEntry("home", _("My leads"), "home", "leads", SELLERS, "work", active=("home",)),
    NavEntry("pipeline", _("Pipeline"), "leads:pipeline", "pipeline", SELLERS, "work", active=("leads:",)),
    NavEntry("sales", _("Sales"), "sales:list", "sales", EVERY_ROLE, "work", active=("sales:",)),
    NavEntry("commissions", _("Commissions"), "sales:commissions", "commissions", EVERY_ROLE, "work",
             active=("sales:commissions",)),
    NavEntry("tickets", _("Tickets"), "tickets:list", "tickets", EVERY_ROLE, "work", active=("tickets:",),
             badge=_tickets_open_mine, badge_title=_("Your open tickets")),
    NavEntry("collections", _("Collections"), "collections:work", "collections", EVERY_ROLE, "work",
             active=("collections:",)),
    NavEntry("internal-chat", _("Internal chat"), "chat:index", "chat", EVERY_ROLE, "team", active=("chat:",),
             badge=_chat_unread, badge_title=_("Unread messages"), badge_mirror="nav-chat-unread"),
    NavEntry("quality", _("Quality"), "quality:audit_list", "quality", SELLERS, "team", active=("quality:",)),
    NavEntry("backoffice", _("Back office"), "admin:index", "backoffice", frozenset({BACKOFFICE, SUPERVISOR, ADMIN}),
             "admin", active=("admin:",), staff_only=True),
    NavEntry("api", _("API docs"), "swagger-ui", "api", frozenset({ADMIN}), "admin", active=("swagger-ui",)),
)


# Pages that need the whole width (the panel's three columns, the boards): there the rail shows its icons only
# on screens narrower than 1600 px, whatever the person chose elsewhere.
COMPACT_PAGES: tuple[str, ...] = ("panel:", "leads:pipeline", "chat:")


def _matches(pattern: str, match: ResolverMatch) -> bool:
    """``"ns:"`` matches every page of that namespace; anything else one page by its view name."""
    if pattern.endswith(":"):
        return bool(match.namespace) and (match.namespace + ":").startswith(pattern)
    return match.view_name == pattern


def is_compact_page(match: ResolverMatch | None) -> bool:
    return match is not None and any(_matches(pattern, match) for pattern in COMPACT_PAGES)


@dataclass
class NavItem:
    """An entry as one request draws it."""

    key: str
    element_id: str
    label: Promise | str
    url: str
    icon: tuple[str, ...]
    is_active: bool
    badge: Callable[[], int] | None = None  # a template calls it; cached, so it runs once
    badge_title: Promise | str = ""
    badge_mirror: str = ""

    @property
    def has_badge(self) -> bool:
        return self.badge is not None


@dataclass
class NavSection:
    key: str
    label: Promise | str
    items: list[NavItem] = field(default_factory=list)


def role_of(user: User) -> str:
    """The role whose menu ``user`` sees: a superuser's is the admin's."""
    return ADMIN if user.is_admin_role else str(user.role)


def entries_for(user: User, entries: Sequence[NavEntry] = ENTRIES) -> list[NavEntry]:
    """The entries ``user`` may see, in menu order (no URL reversed, no count run)."""
    if not user.is_authenticated or not user.is_active:
        return []
    role = role_of(user)
    return [
        entry for entry in entries
        if role in entry.roles
        and (not entry.staff_only or user.is_staff)
        and (not entry.permission or user.has_perm(entry.permission))
    ]


def _match_length(entry: NavEntry, match: ResolverMatch | None) -> int:
    """How specifically ``entry`` claims the page being shown (0: not at all)."""
    if match is None:
        return 0
    best = 0
    for pattern in entry.active or (entry.url_name,):
        if _matches(pattern, match):
            # an exact page beats a namespace
            best = max(best, len(pattern) if pattern.endswith(":") else len(pattern) + 1000)
    return best


def _url(entry: NavEntry) -> str | None:
    try:
        return reverse(entry.url_name)
    except NoReverseMatch:
        # A page not (yet) mounted is left out of the menu rather than breaking every page.
        logger.warning("navigation: %s (%s) has no URL; left out of the menu", entry.key, entry.url_name)
        return None


def navigation_for(*, user: User, match: ResolverMatch | None, entries: Sequence[NavEntry] = ENTRIES,
                   counted: Mapping[str, Callable[[], int]] | None = None) -> list[NavSection]:
    """The menu for ``user`` on the page ``match`` resolved to: sections in order, empty ones left out.
    ``counted`` gives counters the page already has (by entry key), so the same number is not counted twice."""
    counted = counted or {}
    visible = [(entry, url) for entry in entries_for(user, entries) if (url := _url(entry)) is not None]
    scores = {entry.key: _match_length(entry, match) for entry, _ in visible}
    top = max(scores.values(), default=0)
    sections = {key: NavSection(key=key, label=label) for key, label in SECTIONS.items()}
    for entry, url in visible:
        badge: Callable[[], int] | None = counted.get(entry.key)
        if badge is None and entry.badge is not None:
            badge = cache(_bind(entry.badge, user))
        sections[entry.section].items.append(NavItem(
            key=entry.key, element_id=entry.element_id, label=entry.label, url=url, icon=ICONS[entry.icon],
            is_active=top > 0 and scores[entry.key] == top, badge=badge, badge_title=entry.badge_title,
            badge_mirror=entry.badge_mirror,
        ))
    return [section for section in sections.values() if section.items]


def _bind(counter: Callable[[User], int], user: User) -> Callable[[], int]:
    def count() -> int:
        return counter(user)

    return count


def menu_keys(sections: Sequence[NavSection]) -> list[str]:
    """The entries' keys in order (for tests and debugging)."""
    return [item.key for section in sections for item in section.items]
