"""The browser's event socket: one per tab, joined to the groups the user may hear."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.http import Http404

from core.params import parse_id
from core.realtime import EVERYTHING_GROUP, QUEUE_GROUP, user_role_groups

__all__ = ["EVERYTHING_GROUP", "QUEUE_GROUP", "EventsConsumer", "role_groups"]

# How many (conversation, seq) pairs a socket remembers to drop the second copy of an event that
# reached it through two groups (its user group and the conversation it has open).
SEEN_EVENTS = 512


@database_sync_to_async
def role_groups(user: Any) -> list[str]:
    return user_role_groups(user)


@database_sync_to_async
def _may_see_conversation(user: Any, conversation_id: int) -> bool:
    from conversations.selectors import conversation_get_for_user

    try:
        conversation_get_for_user(user=user, conversation_id=conversation_id)
    except Http404:
        return False
    return True


class EventsConsumer(AsyncJsonWebsocketConsumer):
    """Refuses anonymous sockets before accepting; forwards events, never interprets them.

    Client messages: ``{"type": "ping"}`` -> ``{"type": "pong"}``; ``{"type": "subscribe", "conversation": id}``
    joins ``conversation.<id>`` (leaving the previous one) once the selector allows it and answers
    ``{"type": "subscribed" | "subscribe.refused", "conversation": id}``; ``{"type": "unsubscribe"}`` leaves it.
    When a ``conversation.assigned`` event of the open conversation passes, the selector is asked again;
    if the user may no longer see it the socket leaves the group and says ``{"type": "subscribe.revoked"}``.
    """

    groups_joined: list[str]
    conversation_group: str | None = None
    conversation_id: int | None = None

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not user.is_active:
            await self.close(code=4401)
            return
        self.seen: OrderedDict[tuple[int, int], None] = OrderedDict()
        self.groups_joined = await role_groups(user)
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        for group in getattr(self, "groups_joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)
        await self._leave_conversation()

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if not isinstance(content, dict):
            return
        kind = content.get("type")
        if kind == "ping":
            await self.send_json({"type": "pong"})
        elif kind == "subscribe":
            await self._subscribe(content.get("conversation"))
        elif kind == "unsubscribe":
            await self._leave_conversation()

    async def _subscribe(self, raw_id: Any) -> None:
        conversation_id = parse_id(raw_id)
        await self._leave_conversation()
        if conversation_id is None or not await _may_see_conversation(self.scope["user"], conversation_id):
            await self.send_json({"type": "subscribe.refused", "conversation": raw_id})
            return
        self.conversation_group = f"conversation.{conversation_id}"
        self.conversation_id = conversation_id
        await self.channel_layer.group_add(self.conversation_group, self.channel_name)
        await self.send_json({"type": "subscribed", "conversation": conversation_id})

    async def _leave_conversation(self) -> None:
        if self.conversation_group:
            await self.channel_layer.group_discard(self.conversation_group, self.channel_name)
            self.conversation_group = None
            self.conversation_id = None

    def _already_sent(self, event: dict[str, Any]) -> bool:
        conversation, seq = event.get("conversation"), event.get("seq")
        if conversation is None or seq is None:
            return False
        key = (conversation, seq)
        if key in self.seen:
            return True
        self.seen[key] = None
        if len(self.seen) > SEEN_EVENTS:
            self.seen.popitem(last=False)
        return False

    async def event_forward(self, message: dict[str, Any]) -> None:
        event = message["event"]
        if self._already_sent(event):
            return
        await self.send_json(event)
        conversation_id = event.get("conversation")
        if (
            event.get("type") == "conversation.assigned"
            and conversation_id is not None
            and conversation_id == self.conversation_id
            and not await _may_see_conversation(self.scope["user"], conversation_id)
        ):
            await self._leave_conversation()
            await self.send_json({"type": "subscribe.revoked", "conversation": conversation_id})
