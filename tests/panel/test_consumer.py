"""The panel's socket: role groups at connect, and a conversation subscription only where the user may look."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import transaction

from config.asgi import application
from conversations.events import publish_conversation_event, publish_message_event
from conversations.models import Conversation
from tests.panel.conftest import add_message

pytestmark = pytest.mark.django_db(transaction=True)


def _headers(client):
    return [(b"origin", b"http://testserver"), (b"host", b"testserver"),
            (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode())]


def _publish_message(conversation: Conversation) -> int:
    with transaction.atomic():
        message = add_message(conversation, text="¿Me confirmas la dirección?")
        publish_message_event(message, "message.created")
    return message.pk


def _publish_conversation(conversation: Conversation) -> None:
    with transaction.atomic():
        publish_conversation_event(conversation)


async def _connect(client) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(application, "/ws/panel/", headers=_headers(client))
    connected, _ = await communicator.connect()
    assert connected
    return communicator


def test_agent_subscribed_to_their_conversation_hears_new_messages(client, agent, make_conversation):
    conversation = make_conversation(assignee=agent)
    client.force_login(agent)

    async def scenario():
        communicator = await _connect(client)
        await communicator.send_json_to({"type": "subscribe", "conversation": conversation.pk})
        assert await communicator.receive_json_from(timeout=3) == {"type": "subscribed",
                                                                   "conversation": conversation.pk}
        message_id = await sync_to_async(_publish_message)(conversation)
        event = await communicator.receive_json_from(timeout=3)
        assert event["type"] == "message.created"
        assert (event["data"]["id"], event["data"]["conversation"]) == (message_id, conversation.pk)
        await communicator.disconnect()

    async_to_sync(scenario)()


def test_subscribing_to_another_agents_conversation_is_refused(client, agent, other_agent, make_conversation):
    conversation = make_conversation(assignee=other_agent)
    client.force_login(agent)

    async def scenario():
        communicator = await _connect(client)
        await communicator.send_json_to({"type": "subscribe", "conversation": conversation.pk})
        assert await communicator.receive_json_from(timeout=3) == {"type": "subscribe.refused",
                                                                   "conversation": conversation.pk}
        await sync_to_async(_publish_message)(conversation)
        assert await communicator.receive_nothing(timeout=0.5)
        await communicator.disconnect()

    async_to_sync(scenario)()


def test_subscribing_elsewhere_leaves_the_previous_conversation(client, agent, make_conversation):
    first = make_conversation(name="Rosa Quispe", assignee=None)
    second = make_conversation(name="Luis Flores", assignee=None)
    client.force_login(agent)

    async def scenario():
        communicator = await _connect(client)
        for conversation in (first, second):
            await communicator.send_json_to({"type": "subscribe", "conversation": conversation.pk})
            assert (await communicator.receive_json_from(timeout=3))["type"] == "subscribed"
        # an unassigned conversation's events reach agents through the queue: exactly one copy, not two
        await sync_to_async(_publish_message)(first)
        assert (await communicator.receive_json_from(timeout=3))["data"]["conversation"] == first.pk
        assert await communicator.receive_nothing(timeout=0.3)
        await communicator.send_json_to({"type": "subscribe", "conversation": "nope"})
        assert (await communicator.receive_json_from(timeout=3))["type"] == "subscribe.refused"
        await communicator.disconnect()

    async_to_sync(scenario)()


def test_unassigned_queue_events_reach_agents_and_supervisors(client, agent, supervisor, make_conversation):
    from django.test import Client

    conversation = make_conversation()
    client.force_login(agent)
    boss = Client()
    boss.force_login(supervisor)

    async def scenario():
        agent_socket = await _connect(client)
        boss_socket = await _connect(boss)
        await sync_to_async(_publish_conversation)(conversation)
        for communicator in (agent_socket, boss_socket):
            event = await communicator.receive_json_from(timeout=3)
            assert (event["type"], event["data"]["id"]) == ("conversation.updated", conversation.pk)
            assert await communicator.receive_nothing(timeout=0.3)  # one copy only
            await communicator.disconnect()

    async_to_sync(scenario)()


def test_agents_do_not_hear_colleagues_assigned_conversations(client, agent, other_agent, make_conversation):
    conversation = make_conversation(assignee=other_agent)
    client.force_login(agent)

    async def scenario():
        communicator = await _connect(client)
        await sync_to_async(_publish_conversation)(conversation)
        assert await communicator.receive_nothing(timeout=0.5)
        await communicator.disconnect()

    async_to_sync(scenario)()


def test_supervisors_hear_their_team_but_not_other_teams(client, supervisor, agent, other_agent, admin_user,
                                                          make_conversation):
    from django.test import Client

    ours = make_conversation(name="Del equipo", assignee=agent)
    theirs = make_conversation(name="De otro equipo", assignee=other_agent)
    client.force_login(supervisor)
    admin = Client()
    admin.force_login(admin_user)

    async def scenario():
        boss = await _connect(client)
        everyone = await _connect(admin)
        await sync_to_async(_publish_conversation)(theirs)
        assert await boss.receive_nothing(timeout=0.3)  # another team's conversation stays private
        assert (await everyone.receive_json_from(timeout=3))["data"]["id"] == theirs.pk
        await sync_to_async(_publish_conversation)(ours)
        assert (await boss.receive_json_from(timeout=3))["data"]["id"] == ours.pk
        assert (await everyone.receive_json_from(timeout=3))["data"]["id"] == ours.pk
        assert await boss.receive_nothing(timeout=0.2) and await everyone.receive_nothing(timeout=0.2)
        for socket in (boss, everyone):
            await socket.disconnect()

    async_to_sync(scenario)()


def test_subscribing_with_an_id_that_is_no_id_is_refused_and_the_socket_lives_on(client, agent, make_conversation):
    conversation = make_conversation(assignee=agent)
    client.force_login(agent)

    async def scenario():
        communicator = await _connect(client)
        for raw in ("²", "99999999999999999999999", True):  # isdigit() but not int(); too big; a bool is no id
            await communicator.send_json_to({"type": "subscribe", "conversation": raw})
            assert await communicator.receive_json_from(timeout=3) == {"type": "subscribe.refused",
                                                                       "conversation": raw}
        await communicator.send_json_to({"type": "subscribe", "conversation": conversation.pk})
        assert (await communicator.receive_json_from(timeout=3))["type"] == "subscribed"
        await communicator.disconnect()

    async_to_sync(scenario)()
