"""The demo's tickets, internal chat and collection work (issue 16): seeded twice in one module (the second run
adds nothing), read through the apps' own selectors and pages.

The seed and the tests run at noon today (so "later today" and "this week" hold whenever the suite runs)
inside a transaction rolled back when the module ends; each test runs in its own savepoint within it.
"""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command
from django.db import transaction
from django.http import Http404
from django.test import Client
from django.test.utils import override_settings
from django.utils import timezone, translation

from accounts.models import User
from agreements.models import CollectionAction, ContactStatus, Debt, PaymentAgreement
from agreements.selectors import collection_calendar
from chat.models import BroadcastReceipt, ChatMessage, Room, RoomMember
from chat.selectors import broadcast_receipts, chat_unread_total, room_get_for_user
from chat.text import chat_html
from conversations.models import Conversation, Message
from leads.models import Contact
from notifications.models import Notification
from tickets.models import Priority, Ticket, TicketCategory, TicketComment, TicketEvent
from tickets.services import ticket_from_escalation
from tickets.sla import ticket_sla

pytestmark = pytest.mark.django_db

MODELS = (Ticket, TicketCategory, TicketComment, TicketEvent, Room, RoomMember, ChatMessage, BroadcastReceipt,
          Debt, CollectionAction, PaymentAgreement, Notification)
VICTOR, ROSA = "+51996218437", "+51987412356"


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


@pytest.fixture(scope="module", autouse=True)
def seeded(django_db_setup, django_db_blocker, tmp_path_factory):  # type: ignore[no-untyped-def]
    noon = timezone.localtime().replace(hour=12, minute=0, second=0, microsecond=0)
    runs: dict[str, object] = {}
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("media"),
                          PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
        time_machine.travel(noon, tick=True),  # the tests read the clocks from the seed's day too
        transaction.atomic(),
    ):
        first, again = io.StringIO(), io.StringIO()
        call_command("seed_demo", "--contacts", "5", "--no-history", stdout=first)
        runs["first"], runs["first_counts"] = first.getvalue(), counts()
        call_command("seed_demo", "--contacts", "5", "--no-history", stdout=again)
        runs["again"], runs["again_counts"] = again.getvalue(), counts()
        yield runs
        transaction.set_rollback(True)


def _user(username: str) -> User:
    return User.objects.get(username=username)


def _line(out: str, start: str) -> str:
    return next(line for line in out.splitlines() if line.startswith(start))


def test_seeding_again_adds_no_ticket_chat_message_or_collection_action_when_run_twice(seeded):
    assert seeded["again_counts"] == seeded["first_counts"]
    assert _line(seeded["first"], "Tickets:").endswith("new: 10.")
    assert _line(seeded["again"], "Tickets:").endswith("new: 0.")
    assert _line(seeded["first"], "Internal chat:").endswith("new messages: 9.")
    assert _line(seeded["again"], "Internal chat:").endswith("new messages: 0.")
    assert _line(seeded["first"], "Collection work:").endswith("new actions: 10.")
    assert _line(seeded["again"], "Collection work:").endswith("new actions: 0.")


def test_the_demo_has_tickets_in_every_state_and_priority_routed_by_category_when_seeded():
    tickets = Ticket.objects.all()
    assert set(tickets.values_list("state", flat=True)) == set(Ticket.State.values)
    assert set(tickets.values_list("priority", flat=True)) == set(Priority.values)
    assert set(TicketCategory.objects.values_list("name", "team__name")) == {
        ("Reclamo de facturación", "Equipo Lima"), ("Portabilidad", "Equipo Lima"),
        ("Falla técnica", "Equipo Norte"), ("Entrega e instalación", "Equipo Lima")}
    assert tickets.filter(sale__isnull=False).exists() and tickets.filter(call__isnull=False).exists()
    assert not tickets.filter(conversation__isnull=True).exists()
    # the one opened by supervisor without an assignee went by turn to an agent of the category's team
    by_turn = tickets.get(subject__startswith="Factura con RUC")
    assert by_turn.assignee.role == "agent" and by_turn.assignee.team.name == "Equipo Lima"


def test_the_ai_complaint_ticket_is_found_not_doubled_when_the_escalation_is_delivered_after_the_seed():
    conversation = Conversation.objects.get(contact__phone=VICTOR)
    ticket = Ticket.objects.get(conversation=conversation)
    assert (ticket.source, ticket.escalation_reason, ticket.priority) == ("ai_escalation", "complaint", "high")
    assert ticket.assignee.username == "agente2" and ticket.category.name == "Falla técnica"

    again = ticket_from_escalation(conversation_id=conversation.pk, reason="complaint")

    assert again.pk == ticket.pk and Ticket.objects.filter(conversation=conversation).count() == 1
    # the customer's messages in the conversation show on the ticket
    customer = ticket.comments.filter(visibility="from_customer")
    assert customer.count() == conversation.messages.filter(direction="in").count()


def test_ticket_history_and_clocks_follow_the_tickets_own_times_when_seeded():
    now = timezone.now()
    for ticket in Ticket.objects.all():
        events = list(ticket.events.order_by("created_at", "pk"))
        assert events[0].kind == TicketEvent.Kind.CREATED and events[0].created_at == ticket.created_at
        assert all(ticket.created_at <= e.created_at <= now for e in events), ticket.subject
        first_due = ticket.first_response_due_at - ticket.created_at
        assert first_due == {"low": timedelta(hours=24), "medium": timedelta(hours=8), "high": timedelta(hours=2),
                             "critical": timedelta(minutes=30)}[ticket.priority]
    closed = Ticket.objects.get(state="closed", priority="critical")
    states = list(closed.events.filter(field="state").values_list("old_value", "new_value", "actor__username"))
    state = Ticket.State
    with translation.override(settings.LANGUAGE_CODE):  # history keeps the words of when it was written
        assert states == [(str(state.OPEN.label), str(state.IN_PROGRESS.label), "agente1"),
                          (str(state.IN_PROGRESS.label), str(state.RESOLVED.label), "agente1"),
                          (str(state.RESOLVED.label), str(state.CLOSED.label), "backoffice")]
    assert closed.created_at < closed.resolved_at < closed.closed_at and not closed.is_resolution_breached
    reopened = Ticket.objects.get(state="reopened")
    assert reopened.reopen_count == 1 and reopened.comments.filter(visibility="internal").exists()


def test_tickets_have_internal_notes_and_a_reply_sent_through_the_conversation_when_seeded():
    reply = TicketComment.objects.get(visibility="customer")
    assert reply.ticket.source == "ai_escalation" and reply.author.username == "agente3"
    message = Message.objects.get(pk=reply.message_id)
    assert message.conversation_id == reply.ticket.conversation_id and message.text == reply.body
    assert message.send_state == "done" and message.status == "delivered" and message.created_at == reply.created_at
    assert reply.ticket.first_responded_at == reply.created_at and not reply.ticket.is_first_response_breached
    assert TicketComment.objects.filter(visibility="internal", body__contains="@agente1").exists()


def test_one_ticket_is_close_to_its_sla_and_another_is_late_when_seeded():
    active = list(Ticket.objects.filter(state__in=Ticket.ACTIVE_STATES))
    warned = [t for t in active if ticket_sla(t).state == "warning"]
    assert [t.subject for t in warned] == ["Entrega del iPhone 15: coordinar fecha y pago en cuotas"]
    assert warned[0].sla_warned_at is not None
    assert warned[0].events.filter(kind="sla_warning").exists()
    late = Ticket.objects.get(contact__phone=ROSA)
    assert ticket_sla(late).state == "breached" and late.is_first_response_breached and late.is_resolution_breached
    breaches = late.events.filter(kind="sla_breached").order_by("created_at")
    assert [e.field for e in breaches] == ["first_response", "resolution"]
    assert breaches[0].created_at > late.first_response_due_at
    assert Notification.objects.filter(kind="ticket.sla_breached", user__username="agente1").exists()


def test_the_announcement_has_read_and_unread_receipts_when_seeded():
    supervisor, agente1, agente2 = _user("supervisor"), _user("agente1"), _user("agente2")
    announcement = ChatMessage.objects.get(is_broadcast=True)

    receipts = broadcast_receipts(user=supervisor, message_id=announcement.pk)

    assert [r.user.username for r in receipts.read] == ["agente1"]
    assert [r.user.username for r in receipts.unread] == ["agente2"]
    assert receipts.read[0].read_at > announcement.created_at
    # Diego: the announcement and the supervisor's last line in the room; Lucía: the supervisor's last DM line
    assert chat_unread_total(user=agente2) == 2 and chat_unread_total(user=agente1) == 1
    assert Notification.objects.filter(kind="chat.broadcast", user=agente2, read_at__isnull=True).exists()


def test_the_team_room_has_a_mention_and_links_to_a_ticket_and_a_conversation_when_seeded():
    room = Room.objects.get(kind="team", team__name="Equipo Lima")
    assert set(room.members.values_list("user__username", flat=True)) == {"supervisor", "agente1", "agente2"}
    bodies = list(room.messages.order_by("created_at").values_list("body", flat=True))
    rosa = Ticket.objects.get(contact__phone=ROSA)
    victor = Conversation.objects.get(contact__phone=VICTOR)
    html = "".join(str(chat_html(body)) for body in bodies)
    assert f'href="/tickets/{rosa.pk}/"' in html and f"/{victor.pk}/" in html and "chat-mention" in html
    assert Notification.objects.filter(kind="chat.mention", user__username="agente2").exists()
    times = list(room.messages.order_by("pk").values_list("created_at", flat=True))
    assert times == sorted(times) and times[0] < timezone.now() - timedelta(days=1)


def test_another_agent_cannot_open_the_demo_direct_chat_when_seeded():
    direct = Room.objects.get(kind="direct")
    assert set(direct.members.values_list("user__username", flat=True)) == {"supervisor", "agente1"}
    assert direct.messages.count() == 3
    with pytest.raises(Http404):
        room_get_for_user(user=_user("agente2"), room_id=direct.pk)


def test_debts_have_contact_statuses_and_actions_of_every_kind_when_seeded():
    statuses = set(Debt.objects.values_list("contact_status", flat=True))
    assert {ContactStatus.NOT_CONTACTED, ContactStatus.CONTACTED, ContactStatus.PROMISE_TO_PAY,
            ContactStatus.REFUSED, ContactStatus.AGREEMENT} <= statuses
    assert set(CollectionAction.objects.values_list("kind", flat=True)) == {"call", "message", "visit"}
    for debt in Debt.objects.exclude(contact_status="not_contacted"):
        latest = debt.actions.order_by("-created_at").first()
        assert latest is not None and debt.last_action_at >= latest.created_at
    assert PaymentAgreement.objects.filter(debt__reference="MOV-55310942", state="active").exists()


@pytest.mark.parametrize("username", ["agente1", "agente2"])
def test_the_collection_calendar_has_follow_ups_and_promises_this_week_when_seeded(username):
    today = timezone.localdate()
    monday = today - timedelta(days=today.weekday())
    user = _user(username)

    week = collection_calendar(user=user, start=monday, end=monday + timedelta(days=6))
    today_only = collection_calendar(user=user, start=today, end=today)
    coming = collection_calendar(user=user, start=today, end=today + timedelta(days=6))

    assert {e.kind for e in today_only} >= {"followup"}
    assert {e.kind for e in coming} >= {"followup", "promise"}
    assert week and all(e.agent == user for e in week)
    if username == "agente2":
        assert {e.kind for e in today_only} == {"followup", "promise", "installment"}
    supervisor_view = collection_calendar(user=_user("supervisor"), start=today, end=today + timedelta(days=6))
    assert {e.agent.username for e in supervisor_view} >= {"agente1", "agente2"}


def test_the_pages_show_the_demo_data_when_an_agent_opens_them():
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(_user("agente1"))
    rosa = Ticket.objects.get(contact__phone=ROSA)
    direct = Room.objects.get(kind="direct")
    pages = {
        "/tickets/?view=mine": "Instalación de fibra no realizada",
        f"/tickets/{rosa.pk}/": "Claro",
        "/chat/": "Equipo Lima",
        f"/chat/{direct.pk}/": "cuota 3 de Héctor",
        "/collections/": "Héctor Núñez",
        "/collections/calendar/?view=week": "calendar-entry",
    }
    for path, text in pages.items():
        response = client.get(path)
        assert response.status_code == 200, path
        assert text in response.content.decode(), path


def test_reset_deletes_the_demo_tickets_chat_and_collection_work_and_the_next_seed_makes_them_again(seeded):
    from demo.seed.reset import demo_reset

    deleted = demo_reset()

    assert deleted["tickets"] == 10 and deleted["chat messages"] == 9
    assert not Ticket.objects.exists() and not ChatMessage.objects.exists() and not CollectionAction.objects.exists()
    assert not Room.objects.filter(kind__in=["direct", "broadcast"]).exists()
    assert TicketCategory.objects.count() == 4  # the categories stay, like the catalog
    call_command("seed_demo", "--contacts", "5", "--no-history", stdout=io.StringIO())
    after = counts()
    first = dict(seeded["first_counts"])
    for name in ("Notification", "RoomMember"):  # notices and memberships depend on what was kept
        after.pop(name), first.pop(name)
    assert after == first


def test_a_demo_seeded_without_history_has_the_service_settings_but_no_past_weeks(seeded):
    from demo.seed.history import EMAIL_DOMAIN

    assert "History: left out (--no-history)." in seeded["first"]
    assert "Routing: 2 new policies" in seeded["first"]  # the rest of issue 17's part is there
    assert not Contact.objects.filter(email__endswith="@" + EMAIL_DOMAIN).exists()
