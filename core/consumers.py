"""The browser's event socket: one per tab, joined to the groups the user may hear."""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.http import Http404

from core.realtime import user_group

# The names conversations.events publishes to (kept as literals: core does not import domain apps).
QUEUE_GROUP = "queue.unassigned"
EVERYTHING_GROUP = "role.all"


@database_sync_to_async
def role_groups(user: Any) -> list[str]:
    """Groups a user hears from connection time on, matching what the selectors let them see.

    Agents: their own conversations and the unassigned queue. Supervisors: also the teams they
    belong to or supervise. Back office and admins: everything (``role.all`` only, so no event
    arrives twice).
    """
    groups = [user_group(user.pk)]
    if user.is_admin_role or user.is_backoffice:
        return [*groups, EVERYTHING_GROUP]
    groups.append(QUEUE_GROUP)
    if user.is_supervisor:
        from accounts.models import Team

        team_ids = set(Team.objects.filter(supervisor=user).values_list("pk", flat=True))
        if user.team_id:
            team_ids.add(user.team_id)
        groups += [f"team.{team_id}" for team_id in sorted(team_ids)]
    return groups


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
    """

    groups_joined: list[str]
    conversation_group: str | None = None

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not user.is_active:
            await self.close(code=4401)
            return
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
        conversation_id = raw_id if isinstance(raw_id, int) else int(raw_id) if str(raw_id).isdigit() else None
        await self._leave_conversation()
        if conversation_id is None or not await _may_see_conversation(self.scope["user"], conversation_id):
            await self.send_json({"type": "subscribe.refused", "conversation": raw_id})
            return
        self.conversation_group = f"conversation.{conversation_id}"
        await self.channel_layer.group_add(self.conversation_group, self.channel_name)
        await self.send_json({"type": "subscribed", "conversation": conversation_id})

    async def _leave_conversation(self) -> None:
        if self.conversation_group:
            await self.channel_layer.group_discard(self.conversation_group, self.channel_name)
            self.conversation_group = None

    async def event_forward(self, message: dict[str, Any]) -> None:
        await self.send_json(message["event"])
