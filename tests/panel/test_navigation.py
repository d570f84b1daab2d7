"""The side menu by role: each role sees its own modules, the page being shown is marked, the counters count."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.urls import resolve, reverse

from accounts.models import Role
from chat.services import chat_message_send, room_direct_get_or_create
from conftest import make_user
from panel.navigation import ENTRIES, NavEntry, entries_for, navigation_for
from tickets.models import Ticket, TicketCategory

AGENT_MENU = ["panel", "home", "pipeline", "sales", "commissions", "tickets", "collections", "internal-chat", "quality"]
BACKOFFICE_MENU = ["sales", "commissions", "tickets", "collections", "internal-chat", "backoffice"]
SUPERVISOR_MENU = ["dashboard", *AGENT_MENU, "backoffice"]
ADMIN_MENU = [*SUPERVISOR_MENU, "api"]


class MenuParser(HTMLParser):
    """The links inside ``<nav id="nav-menu">``: key, id, href, whether active, and their badge's text."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0  # >0 inside the menu
        self.links: list[dict[str, str | bool]] = []
        self._badge: dict[str, str | bool] | None = None
        self.sections: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "nav" and found.get("id") == "nav-menu":
            self.depth = 1
            return
        if not self.depth:
            return
        if tag == "nav":
            self.depth += 1
        if tag == "a":
            classes = (found.get("class") or "").split()
            self.links.append({"key": found.get("data-nav") or "", "id": found.get("id") or "",
                               "href": found.get("href") or "", "active": "active" in classes,
                               "current": found.get("aria-current") == "page", "badge": "", "badge_hidden": False})
        if tag == "span" and "crm-sidenav-badge" in (found.get("class") or "") and self.links:
            self._badge = self.links[-1]
            self._badge["badge_hidden"] = "hidden" in found
        if tag == "div" and "crm-sidenav-section" in (found.get("class") or ""):
            self.sections.append(found.get("id") or "")

    def handle_endtag(self, tag: str) -> None:
        if self.depth and tag == "nav":
            self.depth -= 1
        if tag == "span":
            self._badge = None

    def handle_data(self, data: str) -> None:
        if self._badge is not None and data.strip():
            self._badge["badge"] = data.strip()


def menu_of(client, user, url: str = "/") -> MenuParser:  # type: ignore[no-untyped-def]
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    parser = MenuParser()
    parser.feed(response.content.decode())
    return parser


def keys(parser: MenuParser) -> list[str]:
    return [str(link["key"]) for link in parser.links]


@pytest.fixture
def dashboard_mounted() -> None:
    """The dashboard page (another part of issue 17) must be mounted for supervisors' and admins' menus."""
    reverse("dashboard:index")


def test_an_agent_sees_their_work_and_never_the_dashboard_or_the_back_office(client, agent):
    parser = menu_of(client, agent)
    assert keys(parser) == AGENT_MENU
    hrefs = {str(link["href"]) for link in parser.links}
    assert "/admin/" not in hrefs and "/dashboard/" not in hrefs and "/api/docs/" not in hrefs
    html = client.get("/").content.decode()
    assert 'id="nav-dashboard"' not in html and 'id="nav-backoffice"' not in html


def test_a_back_office_person_sees_sales_collections_tickets_and_the_back_office(client, backoffice):
    assert keys(menu_of(client, backoffice)) == BACKOFFICE_MENU


def test_a_supervisor_sees_the_dashboard_and_the_back_office_beside_the_agents_modules(client, supervisor,
                                                                                      dashboard_mounted):
    parser = menu_of(client, supervisor)
    assert keys(parser) == SUPERVISOR_MENU
    links = {link["key"]: link for link in parser.links}
    assert links["dashboard"]["href"] == "/dashboard/" and links["dashboard"]["id"] == "nav-dashboard"
    assert links["backoffice"]["href"] == "/admin/"


def test_an_admin_sees_everything_including_the_api_docs(client, admin_user, dashboard_mounted):
    parser = menu_of(client, admin_user)
    assert keys(parser) == ADMIN_MENU
    assert parser.sections == ["nav-section-work", "nav-section-team", "nav-section-admin"]


def test_a_superuser_of_another_role_gets_the_admins_menu(db, dashboard_mounted):
    user = make_user("root", Role.AGENT)
    user.is_superuser = True
    user.is_staff = True
    user.save()
    assert [entry.key for entry in entries_for(user)] == ADMIN_MENU


def test_the_existing_links_keep_their_ids(client, agent):
    ids = {str(link["id"]) for link in menu_of(client, agent).links}
    assert {"nav-tickets", "nav-collections", "nav-quality"} <= ids
    page = client.get("/").content.decode()
    for element in ("nav-chat", "nav-bell", "nav-availability", "nav-user", "nav-logout", "nav-security",
                    "nav-menu-toggle", "crm-sidenav"):
        assert page.count(f'id="{element}"') == 1, element


@pytest.mark.parametrize(("url", "active"), [
    ("/", "home"),
    ("/panel/", "panel"),
    ("/panel/kanban/", "panel"),
    ("/panel/pipeline/", "pipeline"),
    ("/sales/", "sales"),
    ("/sales/commissions/", "commissions"),  # the exact page beats its section
    ("/tickets/", "tickets"),
    ("/collections/calendar/", "collections"),
    ("/chat/", "internal-chat"),
    ("/quality/audits/", "quality"),
    ("/notifications/all/", None),  # a page of no entry: nothing marked
])
def test_the_entry_of_the_page_being_shown_is_marked_and_only_that_one(client, supervisor, url, active):
    parser = menu_of(client, supervisor, url)
    marked = [link["key"] for link in parser.links if link["active"]]
    assert marked == ([active] if active else [])
    assert [link["key"] for link in parser.links if link["current"]] == marked


def test_the_dashboard_entry_is_marked_on_the_dashboard(supervisor, dashboard_mounted):
    sections = navigation_for(user=supervisor, match=resolve("/dashboard/"))
    assert [item.key for section in sections for item in section.items if item.is_active] == ["dashboard"]


def test_the_tickets_entry_counts_the_persons_open_tickets(client, agent, other_agent):
    category = TicketCategory.objects.create(name="Reclamo")
    for state in (Ticket.State.OPEN, Ticket.State.IN_PROGRESS, Ticket.State.CLOSED):
        Ticket.objects.create(subject=f"Ticket {state}", category=category, assignee=agent, state=state)
    Ticket.objects.create(subject="De otro", category=category, assignee=other_agent, state=Ticket.State.OPEN)
    link = next(link for link in menu_of(client, agent).links if link["key"] == "tickets")
    assert link["badge"] == "2" and not link["badge_hidden"]
    other = next(link for link in menu_of(client, other_agent).links if link["key"] == "tickets")
    assert other["badge"] == "1"


def test_the_counters_are_hidden_at_zero(client, agent):
    links = {link["key"]: link for link in menu_of(client, agent).links}
    assert links["tickets"]["badge_hidden"] and links["internal-chat"]["badge_hidden"]


def test_the_chat_entry_counts_unread_messages_like_the_top_bar(client, agent, supervisor):
    room = room_direct_get_or_create(actor=supervisor, other=agent)
    chat_message_send(actor=supervisor, room=room, body="¿Puedes ver a Rosa?")
    link = next(link for link in menu_of(client, agent).links if link["key"] == "internal-chat")
    assert link["badge"] == "1" and not link["badge_hidden"]


def test_a_folded_menu_is_drawn_folded_from_the_cookie(client, agent):
    client.force_login(agent)
    assert "crm-nav-folded" not in client.get("/").content.decode()
    client.cookies["crm_nav"] = "folded"
    html = client.get("/").content.decode()
    assert "crm-has-nav crm-nav-folded" in html and 'aria-pressed="true"' in html


def test_the_menu_is_in_spanish(client, agent):
    assert menu_of(client, agent).links  # the parser saw the menu
    page = client.get("/").content.decode()
    assert "Mis leads" in page and "Cobranza" in page


def test_a_page_left_unmounted_is_left_out_instead_of_breaking_the_page(agent):
    ghost = NavEntry("ghost", "Ghost", "nowhere:index", "api", frozenset({Role.AGENT.value}), "work")
    sections = navigation_for(user=agent, match=None, entries=(*ENTRIES, ghost))
    assert "ghost" not in [item.key for section in sections for item in section.items]


def test_the_menu_counts_each_number_once_and_a_partial_pays_for_none(client, agent, make_conversation):
    """Open tickets: one query; unread chat: one query shared by the top bar and the menu. A piece of page the
    panel fetches (an inbox row) draws no menu and counts nothing."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(agent)
    client.get("/notifications/all/")  # warm up (session, content types)
    with CaptureQueriesContext(connection) as page:
        assert client.get("/notifications/all/").status_code == 200
    tickets = [q["sql"] for q in page.captured_queries if 'FROM "tickets_ticket"' in q["sql"]]
    rooms = [q["sql"] for q in page.captured_queries if 'FROM "chat_roommember"' in q["sql"]]
    broadcasts = [q["sql"] for q in page.captured_queries if 'FROM "chat_broadcastreceipt"' in q["sql"]]
    assert len(tickets) == 1, tickets
    assert len(rooms) == 1 and len(broadcasts) == 1, (rooms, broadcasts)  # chat_unread_total ran once

    conversation = make_conversation(assignee=agent)
    with CaptureQueriesContext(connection) as partial:
        assert client.get(f"/panel/row/{conversation.pk}/").status_code == 200
    assert not [q for q in partial.captured_queries if "tickets_ticket" in q["sql"] or "chat_" in q["sql"]]


@pytest.mark.parametrize(("url", "compact"), [("/panel/", True), ("/panel/kanban/", True), ("/panel/pipeline/", True),
                                              ("/chat/", True), ("/tickets/", False), ("/", False)])
def test_pages_that_need_the_width_draw_the_menu_compact(client, agent, url, compact):
    client.force_login(agent)
    html = client.get(url).content.decode()
    assert ("crm-nav-compact" in html.split("<body", 1)[1].split(">", 1)[0]) is compact
