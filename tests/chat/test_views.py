"""The chat's pages and API: membership decides (another pair's room is a 404, page and API), sending, reading,
history, search, announcements and their receipts, the admin for admins only."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from chat.models import BroadcastReceipt, ChatMessage, Room
from chat.services import broadcast_send, chat_message_send, room_direct_get_or_create

pytestmark = pytest.mark.django_db


def _client(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


JSON = {"HTTP_ACCEPT": "application/json"}


@pytest.fixture
def private(supervisor, backoffice):  # type: ignore[no-untyped-def]
    """A DM between two other people, with one message."""
    room = room_direct_get_or_create(actor=supervisor, other=backoffice)
    chat_message_send(actor=supervisor, room=room, body="Confidencial")
    return room


def test_another_pairs_dm_is_404_when_an_agent_opens_its_page(agent, private):
    client = _client(agent)
    assert client.get(reverse("chat:room", args=[private.pk])).status_code == 404
    assert client.get(reverse("chat:room", args=[private.pk]) + "?before=999", **JSON).status_code == 404
    assert client.post(reverse("chat:send", args=[private.pk]), {"body": "hola"}).status_code == 404
    assert client.post(reverse("chat:read", args=[private.pk])).status_code == 404
    assert ChatMessage.objects.filter(room=private).count() == 1


def test_another_pairs_dm_is_404_when_an_agent_asks_the_api(agent, private, api_client_for):
    api = api_client_for(agent)
    url = f"/api/v1/chat/rooms/{private.pk}/messages/"
    assert api.get(url).status_code == 404
    assert api.post(url, {"body": "hola"}, format="json").status_code == 404
    assert private.pk not in [r["id"] for r in api.get("/api/v1/chat/rooms/").json()["results"]]


def test_supervisor_cannot_read_their_agents_dm_when_not_in_it(agent, mate, supervisor, api_client_for):
    room = room_direct_get_or_create(actor=agent, other=mate)
    assert _client(supervisor).get(reverse("chat:room", args=[room.pk])).status_code == 404
    assert api_client_for(supervisor).get(f"/api/v1/chat/rooms/{room.pk}/messages/").status_code == 404


def test_chat_page_shows_the_team_room_when_an_agent_visits_first(agent, mate, supervisor):
    response = _client(agent).get(reverse("chat:index"))
    assert response.status_code == 200
    room = Room.objects.get(kind=Room.Kind.TEAM)
    assert f'data-room-id="{room.pk}"' in response.content.decode()
    assert 'id="chat-rooms"' in response.content.decode()


def test_dm_is_opened_when_an_agent_posts_for_a_team_mate(agent, mate, other_agent):
    client = _client(agent)
    response = client.post(reverse("chat:dm", args=[mate.pk]))
    room = Room.objects.get(kind=Room.Kind.DIRECT)
    assert response.status_code == 302 and response.url == reverse("chat:room", args=[room.pk])
    assert client.post(reverse("chat:dm", args=[other_agent.pk])).status_code == 404
    assert Room.objects.filter(kind=Room.Kind.DIRECT).count() == 1


def test_message_is_sent_and_read_when_posted_from_the_page(agent, mate):
    room = room_direct_get_or_create(actor=agent, other=mate)
    response = _client(agent).post(reverse("chat:send", args=[room.pk]), {"body": "<b>hola</b> #T5"}, **JSON)
    assert response.status_code == 201
    html = response.json()["message"]["html"]
    assert "&lt;b&gt;" in html and "/tickets/5/" in html
    mate_client = _client(mate)
    page = mate_client.get(reverse("chat:room", args=[room.pk])).content.decode()
    assert 'class="chat-message' in page and "&lt;b&gt;hola&lt;/b&gt;" in page
    assert 'role="alert"' not in page  # the messages of the room are not taken for the flash messages
    assert mate_client.post(reverse("chat:read", args=[room.pk])).json()["unread_total"] == 0


def test_message_is_refused_when_the_body_is_empty_on_the_page(agent, mate):
    room = room_direct_get_or_create(actor=agent, other=mate)
    response = _client(agent).post(reverse("chat:send", args=[room.pk]), {"body": " "}, **JSON)
    assert response.status_code == 400 and response.json()["code"] == "chat_body_empty"


def test_message_is_refused_when_the_body_is_too_long_over_the_api(agent, mate, api_client_for):
    room = room_direct_get_or_create(actor=agent, other=mate)
    response = api_client_for(agent).post(f"/api/v1/chat/rooms/{room.pk}/messages/", {"body": "x" * 4001},
                                          format="json")
    assert response.status_code == 400
    assert not ChatMessage.objects.exists()


def test_older_messages_come_as_json_when_asked_before_the_first(agent, mate, api_client_for):
    room = room_direct_get_or_create(actor=agent, other=mate)
    sent = [chat_message_send(actor=agent, room=room, body=f"m{i}") for i in range(55)]
    page = _client(agent).get(reverse("chat:room", args=[room.pk])).content.decode()
    assert f'data-message-id="{sent[4].pk}"' not in page and f'data-message-id="{sent[5].pk}"' in page
    older = _client(agent).get(reverse("chat:room", args=[room.pk]) + f"?before={sent[5].pk}", **JSON).json()
    assert [m["body"] for m in older["messages"]] == [f"m{i}" for i in range(5)] and not older["has_more"]
    api = api_client_for(agent).get(f"/api/v1/chat/rooms/{room.pk}/messages/?limit=3").json()
    assert [m["body"] for m in api["messages"]] == ["m52", "m53", "m54"] and api["has_more"]


def test_search_page_lists_only_own_rooms_messages_when_searching(agent, mate, private):
    room = room_direct_get_or_create(actor=agent, other=mate)
    chat_message_send(actor=mate, room=room, body="Lo confidencial va aparte")
    page = _client(agent).get(reverse("chat:search") + "?q=confidencial").content.decode()
    assert page.count('class="list-group-item list-group-item-action chat-search-result"') == 1
    assert "aparte" in page


def test_broadcast_page_is_404_when_an_agent_opens_it(agent):
    client = _client(agent)
    assert client.get(reverse("chat:broadcast")).status_code == 404
    assert client.post(reverse("chat:broadcast"), {"team": agent.team_id, "body": "hola"}).status_code == 404


def test_broadcast_is_sent_when_a_supervisor_posts_the_form(supervisor, agent, mate, other_team):
    client = _client(supervisor)
    page = client.get(reverse("chat:broadcast")).content.decode()
    assert 'id="broadcast-form"' in page and 'value="all"' not in page  # "everyone" is an admin's
    refused = client.post(reverse("chat:broadcast"), {"team": other_team.pk, "body": "hola"})
    assert refused.status_code == 400 and "Choose one of your teams." in refused.content.decode()
    assert client.post(reverse("chat:broadcast"), {"team": "all", "body": "hola"}).status_code == 400
    response = client.post(reverse("chat:broadcast"), {"team": agent.team_id, "body": "Reunión"})
    assert response.status_code == 302
    assert BroadcastReceipt.objects.count() == 2
    page = client.get(reverse("chat:broadcast")).content.decode()
    assert 'id="broadcast-receipts"' in page and page.count('class="receipts-unread-count">2<') == 1


def test_broadcast_goes_to_everyone_when_an_admin_posts_over_the_api(admin_user, agent, other_agent,
                                                                      api_client_for):
    api = api_client_for(admin_user)
    assert api.post("/api/v1/chat/broadcasts/", {"team": None, "body": "Mantenimiento"},
                    format="json").status_code == 201
    assert set(BroadcastReceipt.objects.values_list("user_id", flat=True)) >= {agent.pk, other_agent.pk}
    assert api_client_for(agent).post("/api/v1/chat/broadcasts/", {"team": agent.team_id, "body": "x"},
                                      format="json").status_code == 403


def test_receipts_are_404_when_a_recipient_asks(supervisor, agent, mate):
    message = broadcast_send(actor=supervisor, team=agent.team, body="Reunión")
    url = reverse("chat:receipts", args=[message.pk])
    assert _client(agent).get(url, **JSON).status_code == 404
    _client(agent).post(reverse("chat:read", args=[message.room_id]))
    body = _client(supervisor).get(url, **JSON).json()
    assert ([p["id"] for p in body["read"]], [p["id"] for p in body["unread"]]) == ([agent.pk], [mate.pk])


def test_chat_admin_is_for_admins_only_and_read_only(supervisor, agent, mate, admin_user, private):
    room_direct_get_or_create(actor=agent, other=mate)
    staff = supervisor
    staff.is_staff = True
    staff.save()
    for name in ("room", "chatmessage"):
        assert _client(staff).get(reverse(f"admin:chat_{name}_changelist")).status_code == 403
        assert _client(admin_user).get(reverse(f"admin:chat_{name}_changelist")).status_code == 200
        assert _client(admin_user).get(reverse(f"admin:chat_{name}_add")).status_code == 403
    message = ChatMessage.objects.get(room=private)
    change = _client(admin_user).post(reverse("admin:chat_chatmessage_change", args=[message.pk]), {"body": "x"})
    assert change.status_code == 403
    assert ChatMessage.objects.get(pk=message.pk).body == "Confidencial"
