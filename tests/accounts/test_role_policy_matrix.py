"""The one role policy (accounts.policy) seen from outside: every role × every listing.

One world per case: team A (a supervisor and an agent), team B (an outsider agent), back office and an
admin; and of each kind of record one held on team A ("A"), one held on team B ("B") and, where the
domain has an unassigned queue, one nobody holds ("Q"). Each listing (REST API list, page, export,
admin changelist, Excel action, live-event groups) answers, per role, which of those records it showed,
or ``DENIED`` when the role may not open it at all. The last tests pin the ladder's edges on the helper:
inactive users, people without a team, a supervisor over several teams.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db.models import Model
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from rest_framework.test import APIClient

from accounts.audit import audit_record
from accounts.models import AuditEntry, AuditKind, Role, Team, User
from accounts.policy import Queue, overseen_team_ids, scope_queryset
from accounts.selectors import user_visible_queryset
from agreements.models import Debt, PaymentAgreement
from calls.models import Call
from calls.services.live import call_groups
from chat.models import Room
from chat.services import chat_message_send, room_direct_get_or_create
from conftest import make_user
from conversations.events import conversation_groups
from conversations.models import ChannelAccount, Conversation, FollowUpTask, Message, Note, QuickReply
from conversations.selectors import conversation_visible_queryset, user_role_groups
from leads.models import Contact, Lead
from quality.models import Audit
from reports.models import ExportLog
from sales.models import Commission, Quote, Sale
from tests.agreements.factories import DebtFactory
from tests.calls.backoffice_data import make_call
from tests.leads.factories import ContactFactory, LeadFactory
from tests.quality.factories import make_audit, make_matrix
from tests.reports.conftest import make_quote, make_sale
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

ROLES = ("admin", "backoffice", "supervisor", "agent", "outsider")
DENIED = "denied"
Seen = frozenset[str] | str

# The ladder's three shapes, written out (admin and back office: all; supervisor: team A; agent: their own).
ALL_SEE_QUEUE = {"admin": {"A", "B", "Q"}, "backoffice": {"A", "B", "Q"}, "supervisor": {"A", "Q"},
                 "agent": {"A", "Q"}, "outsider": {"B", "Q"}}
SUPERVISORS_SEE_QUEUE = {"admin": {"A", "B", "Q"}, "backoffice": {"A", "B", "Q"}, "supervisor": {"A", "Q"},
                         "agent": {"A"}, "outsider": {"B"}}
NO_QUEUE = {"admin": {"A", "B"}, "backoffice": {"A", "B"}, "supervisor": {"A"}, "agent": {"A"}, "outsider": {"B"}}
# Audits: "D" is a draft of the agent's audit (only its analysts, the supervisor and admins, see it).
AUDITS = {"admin": {"A", "B", "D"}, "backoffice": {"A", "B"}, "supervisor": {"A", "D"}, "agent": {"A"},
          "outsider": {"B"}}
# Tickets: "Q" waits in team A's queue (nobody holds it), "Z" in nobody's (no team: supervisors hand it out).
TICKETS = {"admin": {"A", "B", "Q", "Z"}, "backoffice": {"A", "B", "Q", "Z"}, "supervisor": {"A", "Q", "Z"},
           "agent": {"A", "Q"}, "outsider": {"B"}}
# Chat rooms: only their members, whatever the role. "A" a DM supervisor-agent, "B" a DM outsider-admin,
# "X" a DM admin-back office.
CHAT_ROOMS = {"admin": {"B", "X"}, "backoffice": {"X"}, "supervisor": {"A"}, "agent": {"A"}, "outsider": {"B"}}
# Contacts: "Q" has only an unassigned lead, "N" no lead at all (an open queue for every role).
CONTACTS = {"admin": {"A", "B", "Q", "N"}, "backoffice": {"A", "B", "Q", "N"}, "supervisor": {"A", "Q", "N"},
            "agent": {"A", "N"}, "outsider": {"B", "N"}}


def only(shape: dict[str, set[str]], *roles: str) -> dict[str, Seen]:
    """``shape`` for ``roles``; ``DENIED`` for the others."""
    return {role: frozenset(shape[role]) if role in roles else DENIED for role in ROLES}


def everyone(shape: dict[str, set[str]]) -> dict[str, Seen]:
    return only(shape, *ROLES)


STAFF = ("admin", "backoffice", "supervisor")
ADMIN_AND_SUPERVISOR = ("admin", "supervisor")


@dataclass
class World:
    people: dict[str, User]
    teams: dict[str, Team]
    labels: dict[type[Model], dict[str, str]] = field(default_factory=dict)  # model -> {pk or number: label}
    conversations: dict[str, Conversation] = field(default_factory=dict)

    def add(self, label: str, obj: Model, *keys: Any) -> None:
        known = self.labels.setdefault(type(obj), {})
        for key in (obj.pk, *keys):
            known[str(key)] = label

    def label(self, model: type[Model], key: Any, *, strict: bool = True) -> str | None:
        found = self.labels.get(model, {}).get(str(key))
        if found is None and strict:
            raise AssertionError(f"{model.__name__} {key} is no record of this test")
        return found

    def seen(self, model: type[Model], keys: Any, *, strict: bool = True) -> frozenset[str]:
        return frozenset(label for key in keys if (label := self.label(model, key, strict=strict)) is not None)


@pytest.fixture
def world(admin_user, backoffice, supervisor, agent, other_agent, team, other_team) -> World:
    w = World(people={"admin": admin_user, "backoffice": backoffice, "supervisor": supervisor, "agent": agent,
                      "outsider": other_agent},
              teams={"A": team, "B": other_team})
    holders: dict[str, User | None] = {"A": agent, "B": other_agent, "Q": None}
    calls: dict[str, Call] = {}
    for label, person in w.people.items():
        w.add(label, person)
    w.add("A", team)
    w.add("B", other_team)

    contacts = {label: ContactFactory(name=f"Matriz {label}") for label in ("A", "B", "Q", "N")}
    for label, contact in contacts.items():
        w.add(label, contact, contact.name)
    account = ChannelAccount.objects.create(provider="twilio_whatsapp", name="WhatsApp Lima",
                                            account_ref="+14155238886", ai_mode=ChannelAccount.AIMode.OFF)
    now = timezone.now()
    for label, holder in holders.items():
        w.add(label, LeadFactory(contact=contacts[label], assignee=holder))
        conversation = Conversation.objects.create(
            contact=contacts["N" if label == "Q" else label], channel_account=account, assignee=holder,
            last_message_at=now, last_inbound_at=now, last_message_preview=f"Hola {label}")
        w.conversations[label] = conversation
        w.add(label, conversation)
        w.add(label, Message.objects.create(conversation=conversation, channel_account=account, direction="in",
                                            sender="customer", status="received", text=f"Hola {label}"))
        w.add(label, Note.objects.create(conversation=conversation, author=admin_user, text=f"Nota {label}"))
        w.add(label, FollowUpTask.objects.create(conversation=conversation, created_by=admin_user,
                                                 due_at=now + timedelta(hours=1), text=f"Seguimiento {label}"))
        debt = DebtFactory(contact=contacts[label], assignee=holder)
        w.add(label, debt, debt.reference)
        w.add(label, PaymentAgreement.objects.create(
            debt=debt, agent=holder, base_amount=Decimal("1000"), agreed_total=Decimal("800"),
            paid_total=Decimal("0"), number_of_installments=1))
        # Calls: "Q" is a voicemail nobody holds yet (supervisors hand those out).
        calls[label] = make_call(agent=holder, contact=contacts[label], is_voicemail=holder is None)
        w.add(label, calls[label])
        w.add(label, QuickReply.objects.create(shortcut=f"matriz-{label.lower()}", title=label, text=label,
                                               team=w.teams.get(label)))
    for label in ("A", "B"):
        holder = holders[label]
        # Quotes and sales of both teams for one contact, whose conversation everyone may open ("Q").
        quote = make_quote(contact=contacts["N"], agent=holder)
        w.add(label, quote, quote.number)
        sale = make_sale(contact=contacts["N"], agent=holder)
        w.add(label, sale, sale.number)
        w.add(label, Commission.objects.create(sale=sale, agent=holder, amount=Decimal("10"),
                                               month=timezone.localdate().replace(day=1)), f"agent-{holder.pk}")
        w.add(label, ExportLog.objects.create(kind="leads", user=holder))
        w.add(label, audit_record(actor=holder, action=AuditKind.UPDATE, obj=holder, team_id=None,
                                  object_repr=f"matriz {label}"))
        w.add(f"T{label}", audit_record(actor=None, action=AuditKind.UPDATE, obj=w.teams[label],
                                        team_id=w.teams[label].pk, object_repr=f"matriz T{label}"))
    # Tickets and internal chat
    for label, holder, ticket_team in (("A", agent, team), ("B", other_agent, other_team), ("Q", None, team),
                                       ("Z", None, None)):
        ticket = Ticket.objects.create(subject=f"Ticket {label}", assignee=holder, team=ticket_team,
                                       created_by=admin_user)
        w.add(label, ticket, ticket.number)
    for label, (one, other) in {"A": (supervisor, agent), "B": (other_agent, admin_user),
                                "X": (admin_user, backoffice)}.items():
        room = room_direct_get_or_create(actor=one, other=other)
        chat_message_send(actor=one, room=room, body=f"Hola {label}")
        w.add(label, room)
    # Quality audits: each team's agent's audit, sent; "D" a draft of the agent's (their supervisor's work in
    # progress: no agent sees a draft, nor back office, who read sent audits only).
    matrix = make_matrix(code="matriz")
    w.add("A", make_audit(matrix=matrix, agent=agent, analyst=supervisor, call=calls["A"],
                          status=Audit.Status.SUBMITTED))
    w.add("B", make_audit(matrix=matrix, agent=other_agent, analyst=admin_user, call=calls["B"],
                          status=Audit.Status.SUBMITTED))
    w.add("D", make_audit(matrix=matrix, agent=agent, analyst=supervisor, call=calls["A"]))
    return w


# ---------------------------------------------------------------------------------------------
# How each kind of listing is read
# ---------------------------------------------------------------------------------------------
def _client(world: World, role: str) -> Client:
    client = Client()
    client.force_login(world.people[role])
    return client


def api(path: str, model: type[Model]) -> Callable[[World, str], Seen]:
    def read(world: World, role: str) -> Seen:
        client = APIClient()
        client.force_authenticate(world.people[role])
        response = client.get(f"/api/v1/{path}", {"page_size": 100})
        if response.status_code in (403, 404):
            return DENIED
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["next"] is None
        return world.seen(model, [row["id"] for row in body["results"]])

    return read


def api_lenient(path: str, model: type[Model]) -> Callable[[World, str], Seen]:
    """Like :func:`api`, for listings that may also hold rows of their own making (a team's room, opened lazily)."""

    def read(world: World, role: str) -> Seen:
        client = APIClient()
        client.force_authenticate(world.people[role])
        response = client.get(f"/api/v1/{path}", {"page_size": 100})
        if response.status_code in (403, 404):
            return DENIED
        assert response.status_code == 200, response.content
        return world.seen(model, [row["id"] for row in response.json()["results"]], strict=False)

    return read


def page(url: str, model: type[Model], keys: Callable[[Any], list[Any]]) -> Callable[[World, str], Seen]:
    def read(world: World, role: str) -> Seen:
        response = _client(world, role).get(url)
        if response.status_code in (302, 403):
            return DENIED
        assert response.status_code == 200
        return world.seen(model, keys(response.context))

    return read


def sidebar_purchases(relation: str) -> Callable[[World, str], Seen]:
    """The quotes or sales in the 360° sidebar of a conversation every role may open."""
    model = Quote if relation == "quotes" else Sale

    def read(world: World, role: str) -> Seen:
        # The sidebar's purchases come with its secondary cards, right after the conversation page.
        response = _client(world, role).get(reverse("panel:details", args=[world.conversations["Q"].pk]))
        if response.status_code in (302, 403, 404):
            return DENIED
        return world.seen(model, [obj.pk for obj in response.context["purchases"][relation]])

    return read


def changelist(model: type[Model], *, strict: bool = True) -> Callable[[World, str], Seen]:
    def read(world: World, role: str) -> Seen:
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        response = _client(world, role).get(url)
        if response.status_code in (302, 403):
            return DENIED
        assert response.status_code == 200
        return world.seen(model, [obj.pk for obj in response.context["cl"].result_list], strict=strict)

    return read


def _sheet_rows(data: bytes) -> list[list[Any]]:
    workbook = load_workbook(io.BytesIO(data), read_only=True)
    return [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)][1:]


def excel_action(model: type[Model], key_column: int = 0) -> Callable[[World, str], Seen]:
    """The changelist's "Export selection to Excel" with every record of the test selected, visible or not."""

    def read(world: World, role: str) -> Seen:
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        every = model._default_manager.values_list("pk", flat=True)
        response = _client(world, role).post(url, {"action": "export_excel", "_selected_action": list(every)})
        if response.status_code in (302, 403):
            return DENIED
        assert response.status_code == 200
        data = b"".join(response.streaming_content)
        return world.seen(model, [row[key_column] for row in _sheet_rows(data)])

    return read


def report_export(kind: str, model: type[Model], key: str) -> Callable[[World, str], Seen]:
    """The reports "Export" page: the .xlsx it streams back, with only the identifying column."""

    def read(world: World, role: str) -> Seen:
        response = _client(world, role).post(reverse("admin:reports_export"),
                                             {"kind": kind, f"columns_{kind}": [key]})
        if response.status_code in (302, 403):
            return DENIED
        assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxml")
        return world.seen(model, [row[0] for row in _sheet_rows(b"".join(response.streaming_content))])

    return read


def export_people(world: World, role: str) -> Seen:
    """The people the reports "Export" page offers to filter leads by."""
    response = _client(world, role).get(reverse("admin:reports_export"))
    if response.status_code in (302, 403):
        return DENIED
    choices = response.context["form"].fields["filter_leads_assignee"].choices
    return world.seen(User, [value for value, _label in choices if value], strict=False)


def live_call_events(world: World, role: str) -> Seen:
    """The calls whose ``call.updated`` events reach a socket of ``role`` (calls.services.live.call_groups)."""
    groups = set(user_role_groups(world.people[role]))
    return world.seen(Call, [call.pk for call in Call.objects.select_related("agent")
                             if groups & set(call_groups(call))])


def live_events(world: World, role: str) -> Seen:
    """The conversations whose events reach a socket of ``role`` (conversations.selectors.user_role_groups)."""
    groups = set(user_role_groups(world.people[role]))
    return frozenset(label for label, conversation in world.conversations.items()
                     if groups & set(conversation_groups(conversation)))


@dataclass(frozen=True)
class Listing:
    name: str
    read: Callable[[World, str], Seen]
    expected: dict[str, Seen]


def _paged(context: Any) -> list[Any]:
    return [obj.pk for obj in context["page"].object_list]


def ticket_pages(world: World, role: str) -> Seen:
    """The tickets list's views together: mine, the team queue and (for whoever has it) all."""
    seen: set[str] = set()
    for view in ("mine", "team", "all"):
        found = page(f"/tickets/?view={view}", Ticket, _paged)(world, role)
        if found == DENIED:
            return DENIED
        seen |= found
    return frozenset(seen)


def _kanban(context: Any) -> list[Any]:
    return [card.pk for column in context["columns"] for card in column.cards]


def _pipeline(context: Any) -> list[Any]:
    return [lead.pk for column in context["columns"] for lead in column.leads]


def _commissions(context: Any) -> list[Any]:
    """The page sums commissions per agent and month: a row stands for its agent's commission."""
    return [f"agent-{row['row'].agent_id}" for row in context["rows"]]


LISTINGS = [
    # REST API list endpoints (CONTRACT section 4)
    Listing("api:conversations", api("conversations/", Conversation), everyone(ALL_SEE_QUEUE)),
    Listing("api:contacts", api("contacts/", Contact), everyone(CONTACTS)),
    Listing("api:leads", api("leads/", Lead), everyone(SUPERVISORS_SEE_QUEUE)),
    Listing("api:debts", api("debts/", Debt), everyone(SUPERVISORS_SEE_QUEUE)),
    Listing("api:agreements", api("agreements/", PaymentAgreement), everyone(SUPERVISORS_SEE_QUEUE)),
    Listing("api:quotes", api("quotes/", Quote), everyone(NO_QUEUE)),
    Listing("api:sales", api("sales/", Sale), everyone(NO_QUEUE)),
    Listing("api:commissions", api("commissions/", Commission), everyone(NO_QUEUE)),
    Listing("api:calls", api("calls/", Call), everyone(SUPERVISORS_SEE_QUEUE)),
    Listing("api:audits", api("audits/", Audit), everyone(AUDITS)),
    Listing("api:tickets", api("tickets/", Ticket), everyone(TICKETS)),
    Listing("api:chat-rooms", api_lenient("chat/rooms/", Room), everyone(CHAT_ROOMS)),
    # Server-rendered pages
    Listing("page:inbox", page("/panel/?tab=all", Conversation, _paged), everyone(ALL_SEE_QUEUE)),
    Listing("page:kanban", page("/panel/kanban/", Conversation, _kanban), everyone(ALL_SEE_QUEUE)),
    Listing("page:sidebar-quotes", sidebar_purchases("quotes"), everyone(NO_QUEUE)),
    Listing("page:sidebar-sales", sidebar_purchases("sales"), everyone(NO_QUEUE)),
    Listing("page:home-leads", page("/", Lead, _paged), everyone(SUPERVISORS_SEE_QUEUE)),
    Listing("page:pipeline", page("/panel/pipeline/", Lead, _pipeline), everyone(SUPERVISORS_SEE_QUEUE)),
    Listing("page:sales", page("/sales/", Sale, _paged), everyone(NO_QUEUE)),
    Listing("page:sales-pending-quotes", page("/sales/", Quote, lambda c: [q.pk for q in c["quotes"]]),
            everyone(NO_QUEUE)),
    Listing("page:tickets", ticket_pages, everyone(TICKETS)),
    Listing("page:collections", page("/collections/?settled=1", Debt, _paged), everyone(SUPERVISORS_SEE_QUEUE)),
    Listing("page:commissions", page("/sales/commissions/", Commission, _commissions), everyone(NO_QUEUE)),
    # Exports: the reports "Export" page (.xlsx) and the back office's "Export selection to Excel"
    Listing("export:leads", report_export("leads", Lead, "id"), only(SUPERVISORS_SEE_QUEUE, *STAFF)),
    Listing("export:conversations", report_export("conversations", Conversation, "id"),
            only(ALL_SEE_QUEUE, *STAFF)),
    Listing("export:sales", report_export("sales", Sale, "number"), only(NO_QUEUE, *STAFF)),
    Listing("export:quotes", report_export("quotes", Quote, "number"), only(NO_QUEUE, *STAFF)),
    Listing("export:agreements", report_export("agreements", PaymentAgreement, "id"),
            only(SUPERVISORS_SEE_QUEUE, *STAFF)),
    Listing("export:calls", report_export("calls", Call, "id"), only(SUPERVISORS_SEE_QUEUE, *STAFF)),
    Listing("export:audits", report_export("audits", Audit, "id"), only(AUDITS, *STAFF)),
    Listing("export:tickets", report_export("tickets", Ticket, "number"), only(TICKETS, *STAFF)),
    Listing("page:export-people", export_people,
            {"admin": frozenset({"supervisor", "agent", "outsider"}),
             "backoffice": frozenset({"supervisor", "agent", "outsider"}),
             "supervisor": frozenset({"supervisor", "agent"}), "agent": DENIED, "outsider": DENIED}),
    Listing("excel:leads", excel_action(Lead), only(SUPERVISORS_SEE_QUEUE, *STAFF)),
    Listing("excel:contacts", excel_action(Contact), only(CONTACTS, *STAFF)),
    Listing("excel:debts", excel_action(Debt), only(SUPERVISORS_SEE_QUEUE, *STAFF)),
    Listing("excel:agreements", excel_action(PaymentAgreement), only(SUPERVISORS_SEE_QUEUE, *STAFF)),
    # Admin changelists (agents are not staff; back office lacks some models' permissions)
    Listing("admin:conversation", changelist(Conversation), only(ALL_SEE_QUEUE, *STAFF)),
    Listing("admin:message", changelist(Message), only(ALL_SEE_QUEUE, *STAFF)),
    Listing("admin:note", changelist(Note), only(ALL_SEE_QUEUE, *STAFF)),
    Listing("admin:followuptask", changelist(FollowUpTask), only(ALL_SEE_QUEUE, *STAFF)),
    Listing("admin:quickreply", changelist(QuickReply), only(ALL_SEE_QUEUE, *ADMIN_AND_SUPERVISOR)),
    Listing("admin:contact", changelist(Contact), only(CONTACTS, *STAFF)),
    Listing("admin:lead", changelist(Lead), only(SUPERVISORS_SEE_QUEUE, *STAFF)),
    Listing("admin:debt", changelist(Debt), only(SUPERVISORS_SEE_QUEUE, *STAFF)),
    Listing("admin:paymentagreement", changelist(PaymentAgreement), only(SUPERVISORS_SEE_QUEUE, *STAFF)),
    Listing("admin:quote", changelist(Quote), only(NO_QUEUE, *STAFF)),
    Listing("admin:sale", changelist(Sale), only(NO_QUEUE, *STAFF)),
    Listing("admin:commission", changelist(Commission), only(NO_QUEUE, *STAFF)),
    Listing("admin:call", changelist(Call), only(SUPERVISORS_SEE_QUEUE, *STAFF)),
    Listing("admin:audit", changelist(Audit), only(AUDITS, *STAFF)),
    Listing("admin:ticket", changelist(Ticket), only(TICKETS, *STAFF)),
    # Chat rooms in the back office: admins only (compliance), read-only; nobody else reads other people's DMs.
    Listing("admin:room", changelist(Room, strict=False), only({"admin": {"A", "B", "X"}}, "admin")),
    Listing("admin:exportlog", changelist(ExportLog, strict=False), only(NO_QUEUE, *STAFF)),
    # People and teams: the rows *are* users ("A" the agent, "B" the outsider) and teams.
    Listing("admin:user", changelist(User, strict=False),
            {"admin": frozenset(ROLES), "backoffice": frozenset(ROLES),
             "supervisor": frozenset({"supervisor", "agent"}), "agent": DENIED, "outsider": DENIED}),
    Listing("admin:team", changelist(Team, strict=False), only(NO_QUEUE, *ADMIN_AND_SUPERVISOR)),
    # The audit log: admins and supervisors only; "T" entries are about a team, the others by its agent.
    Listing("admin:auditentry", changelist(AuditEntry, strict=False),
            {"admin": frozenset({"A", "B", "TA", "TB"}), "backoffice": DENIED,
             "supervisor": frozenset({"A", "TA"}), "agent": DENIED, "outsider": DENIED}),
    # Live events: the WebSocket groups a user joins
    Listing("live:conversation-events", live_events, everyone(ALL_SEE_QUEUE)),
    # A call nobody holds ("Q", a voicemail) is published to "role.all" and its conversation only: no group is
    # the supervisors' alone ("queue.unassigned" has agents too), so supervisors see it in lists, not live.
    Listing("live:call-events", live_call_events, {**everyone(SUPERVISORS_SEE_QUEUE), "supervisor": frozenset({"A"})}),
]


@pytest.mark.parametrize("listing", LISTINGS, ids=[listing.name for listing in LISTINGS])
def test_each_role_sees_exactly_its_records_when_listing(world, listing):
    seen = {role: listing.read(world, role) for role in ROLES}
    assert seen == listing.expected


# ---------------------------------------------------------------------------------------------
# The ladder's edges, on the helper itself
# ---------------------------------------------------------------------------------------------
def test_an_inactive_user_sees_and_hears_nothing_when_deactivated(world):
    for role in ROLES:
        person = world.people[role]
        person.is_active = False
        assert not scope_queryset(Lead.objects.all(), user=person, queue=Queue.EVERYONE).exists()
        assert not conversation_visible_queryset(user=person).exists()
        assert user_role_groups(person) == []


def test_a_teamless_supervisor_never_sees_the_rows_of_other_teamless_people_when_scoping(world):
    loner = make_user("sin_equipo", Role.SUPERVISOR)
    teamless_agent = make_user("agente_suelto", Role.AGENT)
    LeadFactory(assignee=teamless_agent)
    own = LeadFactory(assignee=loner)
    assert set(scope_queryset(Lead.objects.all(), user=loner)) == {own}
    assert set(user_visible_queryset(user=loner)) == {loner}
    assert user_role_groups(loner) == [f"user.{loner.pk}", "queue.unassigned"]


def test_a_supervisor_sees_every_team_they_lead_and_the_one_they_belong_to_when_scoping(world, supervisor):
    third = Team.objects.create(name="Equipo Sur", supervisor=supervisor)
    south_agent = make_user("agente_sur", Role.AGENT, third)
    south_lead = LeadFactory(assignee=south_agent)
    visible = scope_queryset(Lead.objects.all(), user=supervisor)
    assert world.seen(Lead, visible.exclude(pk=south_lead.pk).values_list("pk", flat=True)) == {"A"}
    assert visible.filter(pk=south_lead.pk).exists()
    assert f"team.{third.pk}" in user_role_groups(supervisor)
    assert overseen_team_ids(user=supervisor) == sorted([world.teams["A"].pk, third.pk])


# ---------------------------------------------------------------------------------------------
# A direct message between two other people, asked for by id
# ---------------------------------------------------------------------------------------------
def test_nobody_but_its_two_members_reads_a_dm_by_id_when_asked_over_http(world):
    room = Room.objects.get(key=room_direct_get_or_create(actor=world.people["admin"],
                                                           other=world.people["backoffice"]).key)
    for role in ("supervisor", "agent", "outsider"):
        client = _client(world, role)
        api_client = APIClient()
        api_client.force_authenticate(world.people[role])
        assert client.get(reverse("chat:room", args=[room.pk])).status_code == 404, role
        assert api_client.get(f"/api/v1/chat/rooms/{room.pk}/messages/").status_code == 404, role
        assert api_client.post(f"/api/v1/chat/rooms/{room.pk}/messages/", {"body": "hola"}).status_code == 404, role
    for role in ("admin", "backoffice"):
        api_client = APIClient()
        api_client.force_authenticate(world.people[role])
        response = api_client.get(f"/api/v1/chat/rooms/{room.pk}/messages/")
        assert [m["body"] for m in response.json()["messages"]] == ["Hola X"], role


@pytest.mark.django_db(transaction=True)
def test_an_agents_socket_hears_nothing_of_a_dm_between_two_other_people_when_sent(world):
    """The socket joins no room: chat events go to the members' own groups, so there is nothing to ask for."""
    from asgiref.sync import async_to_sync, sync_to_async
    from channels.testing import WebsocketCommunicator
    from django.db import transaction

    from config.asgi import application

    room = room_direct_get_or_create(actor=world.people["admin"], other=world.people["backoffice"])

    async def connect(user: User) -> WebsocketCommunicator:
        client = Client()
        await sync_to_async(client.force_login)(user)
        headers = [(b"origin", b"http://testserver"), (b"host", b"testserver"),
                   (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode())]
        communicator = WebsocketCommunicator(application, "/ws/panel/", headers=headers)
        assert (await communicator.connect())[0]
        return communicator

    def send() -> None:
        with transaction.atomic():
            chat_message_send(actor=world.people["admin"], room=room, body="Solo para ti")

    async def scenario() -> None:
        agent = await connect(world.people["agent"])
        member = await connect(world.people["backoffice"])
        # Naming the room in a frame widens nothing: chat rooms have no subscription at all.
        await agent.send_json_to({"type": "subscribe", "room": room.pk})
        assert (await agent.receive_json_from(timeout=3))["type"] == "subscribe.refused"
        await sync_to_async(send)()
        heard = [await member.receive_json_from(timeout=3) for _ in range(2)]
        assert "chat.message" in {event["type"] for event in heard}
        assert await agent.receive_nothing(timeout=0.5)
        await agent.disconnect()
        await member.disconnect()

    async_to_sync(scenario)()
