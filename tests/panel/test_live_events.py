"""Live events with sequence numbers: catch-up after a reconnect, and transfers that revoke a subscription."""

from __future__ import annotations

from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import transaction
from django.test import Client
from django.utils import timezone

from config.asgi import application
from conversations.events import publish_conversation_event, publish_message_event
from conversations.models import Conversation, ConversationEvent
from conversations.services.followups import conversation_events_prune
from conversations.services.inbox import conversation_transfer
from tests.panel.conftest import add_message

pytestmark = pytest.mark.django_db(transaction=True)


def _headers(client: Client) -> list[tuple[bytes, bytes]]:
    return [(b"origin", b"http://testserver"), (b"host", b"testserver"),
            (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode())]


async def _connect(client: Client) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(application, "/ws/panel/", headers=_headers(client))
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def _drain(socket: WebsocketCommunicator) -> list[str]:
    kinds = [(await socket.receive_json_from(timeout=3))["type"]]
    while not await socket.receive_nothing(timeout=0.5):
        kinds.append((await socket.receive_json_from(timeout=1))["type"])
    return kinds


def _publish_message(conversation: Conversation, text: str = "Hola") -> int:
    with transaction.atomic():
        message = add_message(conversation, text=text)
        publish_message_event(message, "message.created")
    return message.pk


def _publish_conversation(conversation: Conversation) -> None:
    with transaction.atomic():
        publish_conversation_event(conversation)


def _login(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def test_events_of_a_conversation_carry_consecutive_seq_when_published(agent, make_conversation):
    conversation = make_conversation(assignee=agent)
    _publish_message(conversation)
    _publish_conversation(conversation)
    _publish_message(conversation)
    rows = list(ConversationEvent.objects.filter(conversation=conversation).values_list("seq", "type"))
    assert rows == [(1, "message.created"), (2, "conversation.updated"), (3, "message.created")]
    conversation.refresh_from_db()
    assert conversation.event_seq == 3


def test_event_is_not_logged_when_its_transaction_rolls_back(agent, make_conversation):
    conversation = make_conversation(assignee=agent)
    with pytest.raises(RuntimeError), transaction.atomic():
        publish_conversation_event(conversation)
        raise RuntimeError("rollback")
    assert not ConversationEvent.objects.exists()
    conversation.refresh_from_db()
    assert conversation.event_seq == 0


def test_live_event_carries_seq_and_only_allowed_users_receive_it(agent, other_agent, admin_user,
                                                                   make_conversation):
    conversation = make_conversation(assignee=agent)
    mine, outsider, admin = _login(agent), _login(other_agent), _login(admin_user)

    async def scenario():
        sockets = [await _connect(c) for c in (mine, outsider, admin)]
        await sync_to_async(_publish_conversation)(conversation)
        for socket in (sockets[0], sockets[2]):
            event = await socket.receive_json_from(timeout=3)
            assert (event["type"], event["conversation"], event["seq"]) == ("conversation.updated",
                                                                             conversation.pk, 1)
            assert isinstance(event["cursor"], int)
        assert await sockets[1].receive_nothing(timeout=0.3)
        for socket in sockets:
            await socket.disconnect()

    async_to_sync(scenario)()


def test_open_conversation_event_arrives_once_when_heard_through_two_groups(client, agent, make_conversation):
    conversation = make_conversation(assignee=agent)
    client.force_login(agent)

    async def scenario():
        socket = await _connect(client)
        await socket.send_json_to({"type": "subscribe", "conversation": conversation.pk})
        assert (await socket.receive_json_from(timeout=3))["type"] == "subscribed"
        await sync_to_async(_publish_message)(conversation)
        assert (await socket.receive_json_from(timeout=3))["seq"] == 1
        assert await socket.receive_nothing(timeout=0.3)  # user.<id> and conversation.<id>: one copy
        await socket.disconnect()

    async_to_sync(scenario)()


def test_message_update_reaches_only_the_sockets_that_have_the_conversation_open(agent, make_conversation):
    conversation = make_conversation(assignee=agent)
    message_id = _publish_message(conversation)
    watching, listing = _login(agent), _login(agent)

    async def scenario():
        viewer = await _connect(watching)
        inbox = await _connect(listing)
        await viewer.send_json_to({"type": "subscribe", "conversation": conversation.pk})
        assert (await viewer.receive_json_from(timeout=3))["type"] == "subscribed"
        await sync_to_async(_update_message)(message_id)
        event = await viewer.receive_json_from(timeout=3)
        assert (event["type"], event["data"]["id"], event["seq"]) == ("message.updated", message_id, 2)
        # a tick changed: nothing for a tab that only lists the conversation (its row does not show it)
        assert await inbox.receive_nothing(timeout=0.5)
        await sync_to_async(_publish_message)(conversation, "otra")
        assert (await inbox.receive_json_from(timeout=3))["type"] == "message.created"
        await viewer.disconnect()
        await inbox.disconnect()

    async_to_sync(scenario)()
    # the open conversation's catch-up still has it, in its place
    events = watching.get(f"/panel/c/{conversation.pk}/events/", {"after": 0}).json()["events"]
    assert [e["type"] for e in events] == ["message.created", "message.updated", "message.created"]


def _update_message(message_id: int) -> None:
    from conversations.models import Message

    with transaction.atomic():
        message = Message.objects.get(pk=message_id)
        publish_message_event(message, "message.updated")


def test_reconnect_gets_exactly_the_missed_events_in_seq_order(client, agent, other_agent, make_conversation):
    mine = make_conversation(name="Rosa Quispe", assignee=agent)
    theirs = make_conversation(name="Luis Flores", assignee=other_agent)
    client.force_login(agent)

    async def scenario():
        socket = await _connect(client)
        await socket.send_json_to({"type": "subscribe", "conversation": mine.pk})
        assert (await socket.receive_json_from(timeout=3))["type"] == "subscribed"
        await sync_to_async(_publish_message)(mine, "antes")
        seen = await socket.receive_json_from(timeout=3)
        await socket.disconnect()
        return seen

    seen = async_to_sync(scenario)()
    assert seen["seq"] == 1
    # while the tab is disconnected
    missed = [_publish_message(mine, "uno"), None, _publish_message(mine, "dos")]
    _publish_conversation(mine)
    _publish_message(theirs, "no es tuyo")

    response = client.get(f"/panel/c/{mine.pk}/events/", {"after": seen["seq"]})
    assert response.status_code == 200
    body = response.json()
    assert [e["seq"] for e in body["events"]] == [2, 3, 4]
    assert [e["type"] for e in body["events"]] == ["message.created", "message.created", "conversation.updated"]
    assert [e["data"]["id"] for e in body["events"][:2]] == [missed[0], missed[2]]
    assert (body["cursor"], body["more"], body["reset"]) == (4, False, False)
    assert client.get(f"/panel/c/{mine.pk}/events/", {"after": 4}).json()["events"] == []

    inbox = client.get("/panel/events/", {"since": seen["cursor"]}).json()
    # Rows written shortly before the cursor come again (a transaction may commit after a later one:
    # the client drops what it has by conversation and seq); after the cursor, exactly what was missed.
    overlap = [(e["conversation"], e["seq"]) for e in inbox["events"] if e["cursor"] <= seen["cursor"]]
    got = [(e["conversation"], e["seq"]) for e in inbox["events"] if e["cursor"] > seen["cursor"]]
    assert overlap == [(mine.pk, 1)]
    assert got == [(mine.pk, 2), (mine.pk, 3), (mine.pk, 4)]  # nothing from the colleague's conversation
    assert inbox["cursor"] == ConversationEvent.objects.order_by("-pk").first().pk


def test_catch_up_of_a_conversation_the_user_may_not_see_is_404(client, agent, other_agent, make_conversation):
    theirs = make_conversation(assignee=other_agent)
    _publish_message(theirs)
    client.force_login(agent)
    assert client.get(f"/panel/c/{theirs.pk}/events/", {"after": 0}).status_code == 404


def test_catch_up_rejects_a_missing_or_malformed_position(client, agent, make_conversation):
    conversation = make_conversation(assignee=agent)
    client.force_login(agent)
    assert client.get(f"/panel/c/{conversation.pk}/events/", {"after": "x1"}).status_code == 400
    assert client.get(f"/panel/c/{conversation.pk}/events/", {"after": "-1"}).status_code == 400
    assert client.get("/panel/events/", {"since": "abc"}).status_code == 400


def test_catch_up_requires_login(client, make_conversation):
    conversation = make_conversation()
    assert client.get(f"/panel/c/{conversation.pk}/events/", {"after": 0}).status_code == 302
    assert client.get("/panel/events/", {"since": 0}).status_code == 302


def test_catch_up_without_a_position_returns_the_current_one(client, agent, make_conversation):
    conversation = make_conversation(assignee=agent)
    _publish_conversation(conversation)
    _publish_conversation(conversation)
    client.force_login(agent)
    body = client.get("/panel/events/").json()
    assert body["events"] == [] and body["cursor"] == ConversationEvent.objects.order_by("pk").last().pk
    body = client.get(f"/panel/c/{conversation.pk}/events/").json()
    assert body["events"] == [] and body["cursor"] == 2


def test_inbox_catch_up_shows_queue_and_team_by_role(client, agent, other_agent, supervisor, backoffice,
                                                     make_conversation):
    queue = make_conversation(name="En cola")
    ours = make_conversation(name="Del equipo", assignee=agent)
    theirs = make_conversation(name="Otro equipo", assignee=other_agent)
    for conversation in (queue, ours, theirs):
        _publish_conversation(conversation)

    def seen(user) -> set[int]:  # type: ignore[no-untyped-def]
        return {e["conversation"] for e in _login(user).get("/panel/events/", {"since": 0}).json()["events"]}

    assert seen(agent) == {queue.pk, ours.pk}
    assert seen(other_agent) == {queue.pk, theirs.pk}
    assert seen(supervisor) == {queue.pk, ours.pk}
    assert seen(backoffice) == {queue.pk, ours.pk, theirs.pk}


def test_inbox_catch_up_tells_the_former_assignee_where_the_conversation_went(agent, other_agent, admin_user,
                                                                             make_conversation):
    conversation = make_conversation(assignee=agent)
    _publish_conversation(conversation)
    cursor = ConversationEvent.objects.get().pk
    conversation_transfer(actor=admin_user, conversation=conversation, to=other_agent)  # across teams
    events = _login(agent).get("/panel/events/", {"since": cursor}).json()["events"]
    assert [(e["type"], e["data"]) for e in events if e["cursor"] > cursor] == [
        ("conversation.assigned", {"id": conversation.pk, "assignee": other_agent.pk})]
    assert _login(agent).get(f"/panel/c/{conversation.pk}/events/", {"after": 0}).status_code == 404


def test_catch_up_says_reset_when_the_log_was_pruned(client, agent, make_conversation):
    conversation = make_conversation(assignee=agent)
    _publish_conversation(conversation)
    _publish_conversation(conversation)
    old = ConversationEvent.objects.order_by("pk").first()
    ConversationEvent.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=8))
    assert conversation_events_prune(days=7) == 1
    client.force_login(agent)
    body = client.get(f"/panel/c/{conversation.pk}/events/", {"after": 0}).json()
    assert body["reset"] is True
    assert client.get(f"/panel/c/{conversation.pk}/events/", {"after": 1}).json()["reset"] is False
    assert client.get("/panel/events/", {"since": old.pk}).json()["reset"] is True


def test_transfer_revokes_the_subscription_of_the_former_assignee(client, agent, other_agent, supervisor,
                                                                 admin_user, make_conversation):
    conversation = make_conversation(assignee=agent)
    client.force_login(agent)

    async def scenario():
        socket = await _connect(client)
        await socket.send_json_to({"type": "subscribe", "conversation": conversation.pk})
        assert (await socket.receive_json_from(timeout=3))["type"] == "subscribed"
        await sync_to_async(conversation_transfer)(actor=admin_user, conversation=conversation, to=other_agent)
        kinds = await _drain(socket)
        assert kinds[-1] == "subscribe.revoked" and "conversation.assigned" in kinds
        await sync_to_async(conversation.refresh_from_db)()
        await sync_to_async(_publish_message)(conversation, "ya no lo ve")
        assert await socket.receive_nothing(timeout=0.5)
        await socket.disconnect()

    async_to_sync(scenario)()


def test_transfer_within_sight_keeps_the_subscription(client, supervisor, agent, make_conversation):
    from accounts.models import Role
    from conftest import make_user

    teammate = make_user("companera", Role.AGENT, agent.team)
    conversation = make_conversation(assignee=agent)
    client.force_login(supervisor)

    async def scenario():
        socket = await _connect(client)
        await socket.send_json_to({"type": "subscribe", "conversation": conversation.pk})
        assert (await socket.receive_json_from(timeout=3))["type"] == "subscribed"
        await sync_to_async(conversation_transfer)(actor=supervisor, conversation=conversation, to=teammate)
        kinds = await _drain(socket)
        assert "conversation.assigned" in kinds and "subscribe.revoked" not in kinds  # the team is still theirs
        await sync_to_async(_publish_message)(conversation)
        assert (await socket.receive_json_from(timeout=3))["type"] == "message.created"
        await socket.disconnect()

    async_to_sync(scenario)()


def test_taking_a_queued_conversation_tells_the_other_agents_live_and_on_catch_up(agent, other_agent,
                                                                                 make_conversation):
    from conversations.services.inbox import conversation_assign

    conversation = make_conversation()  # in the unassigned queue: both agents see it
    _publish_conversation(conversation)
    cursor = ConversationEvent.objects.get().pk
    taker, bystander = _login(agent), _login(other_agent)

    async def scenario():
        sockets = [await _connect(c) for c in (taker, bystander)]
        await sync_to_async(conversation_assign)(actor=agent, conversation=conversation, assignee=agent)
        for socket in sockets:  # the bystander's inbox must drop the row: it hears the assignment once
            event = await socket.receive_json_from(timeout=3)
            assert (event["type"], event["data"]["assignee"]) == ("conversation.assigned", agent.pk)
            assert await socket.receive_nothing(timeout=0.3)
        for socket in sockets:
            await socket.disconnect()

    async_to_sync(scenario)()
    missed = bystander.get("/panel/events/", {"since": cursor}).json()["events"]
    assert [(e["type"], e["data"]["assignee"]) for e in missed if e["cursor"] > cursor] == [
        ("conversation.assigned", agent.pk)]
