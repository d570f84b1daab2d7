"""The chat's services and selectors: who may write to whom, broadcasts and receipts, reading, unread counts,
search, and the message text's rules."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.http import Http404
from django.utils import timezone

from accounts.models import Role
from chat.models import BroadcastReceipt, ChatMessage, Room, RoomMember
from chat.selectors import (
    broadcast_receipts,
    chat_people_list,
    chat_search,
    chat_unread_total,
    chat_unread_totals,
    room_get_for_user,
    room_list_for_user,
    room_messages,
)
from chat.services import (
    BroadcastNotAllowedError,
    ChatBodyError,
    ChatNotAllowedError,
    broadcast_send,
    chat_message_send,
    room_direct_get_or_create,
    room_mark_read,
    room_team_get_or_create,
)
from conftest import make_user
from notifications.models import Notification

pytestmark = pytest.mark.django_db


# --- who may write to whom -------------------------------------------------------------------------------------
def test_agent_sees_team_supervisor_backoffice_and_admin_when_listing_people(agent, mate, supervisor, other_agent,
                                                                             other_supervisor, backoffice,
                                                                             admin_user):
    people = set(chat_people_list(user=agent))
    assert people == {mate, supervisor, backoffice, admin_user}


def test_supervisor_sees_their_team_other_supervisors_and_staff_when_listing_people(agent, mate, supervisor,
                                                                                    other_agent, other_supervisor,
                                                                                    backoffice, admin_user):
    assert set(chat_people_list(user=supervisor)) == {agent, mate, other_supervisor, backoffice, admin_user}


def test_admin_sees_everyone_active_when_listing_people(agent, other_agent, supervisor, admin_user):
    gone = make_user("ido", Role.AGENT)
    gone.is_active = False
    gone.save()
    assert set(chat_people_list(user=admin_user)) == {agent, other_agent, supervisor}


def test_direct_room_is_one_room_of_two_members_when_either_opens_it(agent, mate):
    room = room_direct_get_or_create(actor=agent, other=mate)
    assert room_direct_get_or_create(actor=mate, other=agent) == room
    assert room.kind == Room.Kind.DIRECT
    assert set(room.members.values_list("user_id", flat=True)) == {agent.pk, mate.pk}


def test_direct_room_is_refused_when_the_other_agent_is_of_another_team(agent, other_agent):
    with pytest.raises(ChatNotAllowedError):
        room_direct_get_or_create(actor=agent, other=other_agent)
    assert not Room.objects.exists()


def test_direct_room_is_refused_when_writing_to_oneself(agent):
    with pytest.raises(ChatNotAllowedError):
        room_direct_get_or_create(actor=agent, other=agent)


def test_direct_room_is_allowed_when_an_agent_writes_to_backoffice(agent, backoffice):
    assert room_direct_get_or_create(actor=agent, other=backoffice).members.count() == 2


def test_team_room_holds_the_team_and_its_supervisor_when_created(agent, mate, supervisor, other_agent):
    room = room_team_get_or_create(team=agent.team)
    assert set(room.members.values_list("user_id", flat=True)) == {agent.pk, mate.pk, supervisor.pk}
    assert room_team_get_or_create(team=agent.team) == room


def test_team_room_drops_a_person_when_they_left_the_team(agent, mate, other_team):
    room = room_team_get_or_create(team=agent.team)
    mate.team = other_team
    mate.save()
    room_team_get_or_create(team=agent.team)
    assert not room.members.filter(user=mate).exists()
    with pytest.raises(Http404):
        room_get_for_user(user=mate, room_id=room.pk)


# --- messages --------------------------------------------------------------------------------------------------
def test_message_is_refused_when_the_body_is_empty(agent, mate):
    room = room_direct_get_or_create(actor=agent, other=mate)
    with pytest.raises(ChatBodyError) as error:
        chat_message_send(actor=agent, room=room, body="   \n ")
    assert error.value.code == "chat_body_empty"


def test_message_is_refused_when_the_body_is_too_long(agent, mate):
    room = room_direct_get_or_create(actor=agent, other=mate)
    chat_message_send(actor=agent, room=room, body="x" * 4000)
    with pytest.raises(ChatBodyError) as error:
        chat_message_send(actor=agent, room=room, body="x" * 4001)
    assert error.value.code == "chat_body_too_long"
    assert ChatMessage.objects.count() == 1


def test_message_is_refused_when_the_actor_is_not_a_member(agent, mate, supervisor):
    room = room_direct_get_or_create(actor=agent, other=mate)
    with pytest.raises(ChatNotAllowedError):
        chat_message_send(actor=supervisor, room=room, body="hola")


def test_direct_message_notifies_the_other_person_when_sent(agent, mate):
    room = room_direct_get_or_create(actor=agent, other=mate)
    chat_message_send(actor=agent, room=room, body="¿Me ayudas con #C45?")
    notice = Notification.objects.get()
    assert (notice.user, notice.kind) == (mate, "chat.direct")
    assert notice.url.startswith(f"/chat/{room.pk}/")


def test_mention_notifies_the_member_named_when_sent_in_a_team_room(agent, mate, supervisor, other_agent):
    room = room_team_get_or_create(team=agent.team)
    chat_message_send(actor=agent, room=room, body="@marco mira el #T12, y @otro_agente también; @agente")
    assert list(Notification.objects.values_list("user__username", "kind")) == [("marco", "chat.mention")]


# --- broadcasts ------------------------------------------------------------------------------------------------
def test_broadcast_is_refused_when_an_agent_sends_it(agent):
    with pytest.raises(BroadcastNotAllowedError):
        broadcast_send(actor=agent, team=agent.team, body="Hola a todos")


def test_broadcast_is_refused_when_a_supervisor_sends_to_another_team(supervisor, other_team, other_agent):
    with pytest.raises(BroadcastNotAllowedError):
        broadcast_send(actor=supervisor, team=other_team, body="Hola")


def test_broadcast_is_refused_when_a_supervisor_sends_to_everyone(supervisor):
    with pytest.raises(BroadcastNotAllowedError):
        broadcast_send(actor=supervisor, team=None, body="Hola")


def test_broadcast_is_refused_when_the_body_is_empty(supervisor, agent):
    with pytest.raises(ChatBodyError):
        broadcast_send(actor=supervisor, team=agent.team, body="")


def test_broadcast_makes_a_receipt_and_a_notice_per_recipient_when_a_supervisor_sends(supervisor, agent, mate,
                                                                                       other_agent):
    message = broadcast_send(actor=supervisor, team=agent.team, body="Reunión a las 10")
    assert message.is_broadcast and message.room.kind == Room.Kind.BROADCAST
    assert set(message.receipts.values_list("user_id", flat=True)) == {agent.pk, mate.pk}
    assert set(Notification.objects.filter(kind="chat.broadcast").values_list("user_id", flat=True)) == {
        agent.pk, mate.pk}
    assert chat_unread_total(user=agent) == 1 and chat_unread_total(user=other_agent) == 0


def test_broadcast_reaches_every_active_user_when_an_admin_sends_to_everyone(admin_user, agent, other_agent,
                                                                             supervisor, backoffice):
    message = broadcast_send(actor=admin_user, team=None, body="Mantenimiento el sábado")
    assert set(message.receipts.values_list("user_id", flat=True)) == {agent.pk, other_agent.pk, supervisor.pk,
                                                                       backoffice.pk}


def test_receipts_show_who_read_when_one_recipient_read(supervisor, agent, mate):
    message = broadcast_send(actor=supervisor, team=agent.team, body="Reunión a las 10")
    assert room_mark_read(user=agent, room=message.room) == 1
    receipts = broadcast_receipts(user=supervisor, message_id=message.pk)
    assert [r.user for r in receipts.read] == [agent]
    assert [r.user for r in receipts.unread] == [mate]
    assert chat_unread_total(user=agent) == 0 and chat_unread_total(user=mate) == 1


def test_receipts_are_404_when_asked_by_a_recipient(supervisor, agent):
    message = broadcast_send(actor=supervisor, team=agent.team, body="Reunión")
    with pytest.raises(Http404):
        broadcast_receipts(user=agent, message_id=message.pk)
    assert broadcast_receipts(user=make_user("jefa", Role.ADMIN), message_id=message.pk).message == message


def test_broadcast_room_shows_a_recipient_only_what_was_sent_to_them(admin_user, supervisor, agent, mate):
    first = broadcast_send(actor=supervisor, team=agent.team, body="Primera")
    late = make_user("nueva", Role.AGENT, agent.team)
    second = broadcast_send(actor=supervisor, team=agent.team, body="Segunda")
    room = room_get_for_user(user=late, room_id=first.room_id)
    assert room_messages(user=late, room=room).messages == [second]
    assert room_messages(user=agent, room=room).messages == [first, second]


# --- reading and unread counts ---------------------------------------------------------------------------------
def test_unread_total_counts_per_member_when_members_read_at_different_times(agent, mate, supervisor):
    """chat_unread_total joins room members twice (the filter and F()): each member counts from their own
    last read, not from another member's."""
    room = room_team_get_or_create(team=agent.team)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        chat_message_send(actor=supervisor, room=room, body="uno")
    with time_machine.travel(start + timedelta(minutes=1), tick=False):
        room_mark_read(user=agent, room=room)  # agent reads after the first
    with time_machine.travel(start + timedelta(minutes=2), tick=False):
        chat_message_send(actor=supervisor, room=room, body="dos")
    with time_machine.travel(start + timedelta(minutes=3), tick=False):
        chat_message_send(actor=supervisor, room=room, body="tres")
    # mate never read (last_read_at null) -> 3; agent -> 2; supervisor wrote them all -> 0
    assert (chat_unread_total(user=agent), chat_unread_total(user=mate), chat_unread_total(user=supervisor)) == (
        2, 3, 0)
    with time_machine.travel(start + timedelta(minutes=4), tick=False):
        room_mark_read(user=mate, room=room)
    assert (chat_unread_total(user=agent), chat_unread_total(user=mate)) == (2, 0)
    member_reads = dict(RoomMember.objects.filter(room=room).values_list("user__username", "last_read_at"))
    assert member_reads["agente"] != member_reads["marco"]
    unread = {e.room.pk: e.unread for e in room_list_for_user(user=agent)}
    assert unread[room.pk] == 2


def test_unread_total_adds_rooms_and_broadcasts_when_both_wait(agent, mate, supervisor):
    dm = room_direct_get_or_create(actor=mate, other=agent)
    chat_message_send(actor=mate, room=dm, body="hola")
    chat_message_send(actor=mate, room=dm, body="¿estás?")
    broadcast_send(actor=supervisor, team=agent.team, body="Reunión")
    assert chat_unread_total(user=agent) == 3
    entries = {e.room.kind: e.unread for e in room_list_for_user(user=agent)}
    assert entries == {Room.Kind.DIRECT: 2, Room.Kind.BROADCAST: 1}
    chat_message_send(actor=agent, room=dm, body="sí, dime")  # answering reads up to one's own message
    assert chat_unread_total(user=agent) == 1 and chat_unread_total(user=mate) == 2  # the answer + the broadcast


def test_unread_totals_of_many_people_take_two_queries_when_a_message_fans_out(
        agent, mate, supervisor, other_agent, django_assert_num_queries):
    dm = room_direct_get_or_create(actor=mate, other=agent)
    chat_message_send(actor=mate, room=dm, body="hola")
    broadcast_send(actor=supervisor, team=agent.team, body="Reunión")
    people = [agent, mate, supervisor, other_agent]
    with django_assert_num_queries(2):
        totals = chat_unread_totals(user_ids=[p.pk for p in people])
    assert totals == {p.pk: chat_unread_total(user=p) for p in people}
    assert (totals[agent.pk], totals[mate.pk], totals[other_agent.pk]) == (2, 1, 0)


def test_mark_read_returns_zero_when_the_user_is_not_a_member(agent, mate, other_agent, supervisor):
    room = room_direct_get_or_create(actor=agent, other=mate)
    chat_message_send(actor=agent, room=room, body="hola")
    assert room_mark_read(user=supervisor, room=room) == 0
    assert room_mark_read(user=mate, room=room) == 1
    assert room_mark_read(user=mate, room=room) == 0


def test_room_list_query_count_is_fixed_when_rooms_grow(agent, mate, supervisor, backoffice, admin_user,
                                                        django_assert_num_queries):
    room_direct_get_or_create(actor=agent, other=mate)
    with django_assert_num_queries(2):
        room_list_for_user(user=agent)
    room_direct_get_or_create(actor=agent, other=backoffice)
    room_direct_get_or_create(actor=agent, other=admin_user)
    room_team_get_or_create(team=agent.team)
    broadcast_send(actor=supervisor, team=agent.team, body="hola")
    with django_assert_num_queries(2):
        assert len(room_list_for_user(user=agent)) == 5


def test_room_messages_pages_backwards_when_asked_before_a_message(agent, mate):
    room = room_direct_get_or_create(actor=agent, other=mate)
    sent = [chat_message_send(actor=agent, room=room, body=f"m{i}") for i in range(5)]
    page = room_messages(user=agent, room=room, limit=2)
    assert (page.messages, page.has_more) == (sent[3:], True)
    page = room_messages(user=agent, room=room, before=sent[3].pk, limit=2)
    assert (page.messages, page.has_more) == (sent[1:3], True)
    page = room_messages(user=agent, room=room, before=sent[1].pk, limit=2)
    assert (page.messages, page.has_more) == (sent[:1], False)


# --- search ----------------------------------------------------------------------------------------------------
def test_search_finds_only_messages_of_the_users_rooms(agent, mate, supervisor, backoffice, other_agent):
    ours = room_direct_get_or_create(actor=agent, other=mate)
    theirs = room_direct_get_or_create(actor=supervisor, other=backoffice)
    mine = chat_message_send(actor=mate, room=ours, body="La portabilidad de Rosa está lista")
    chat_message_send(actor=supervisor, room=theirs, body="Portabilidad: revisar cuotas")
    assert chat_search(user=agent, q="portabilidad") == [mine]
    assert chat_search(user=other_agent, q="portabilidad") == []
    assert chat_search(user=agent, q="p") == []  # too short to search
    assert BroadcastReceipt.objects.count() == 0


def test_reading_a_room_reads_its_notices_when_the_bell_had_some(supervisor, agent, mate):
    dm = room_direct_get_or_create(actor=mate, other=agent)
    chat_message_send(actor=mate, room=dm, body="hola")
    message = broadcast_send(actor=supervisor, team=agent.team, body="Reunión")
    assert Notification.objects.filter(user=agent, read_at__isnull=True).count() == 2
    room_mark_read(user=agent, room=message.room)
    assert list(Notification.objects.filter(user=agent, read_at__isnull=True).values_list("kind", flat=True)) == [
        "chat.direct"]
    assert Notification.objects.filter(user=mate, kind="chat.broadcast", read_at__isnull=True).count() == 1
