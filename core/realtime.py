"""Real-time events to browsers, sent only after the transaction that caused them commits."""

from __future__ import annotations

import json
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction


def event_payload(event_type: str, data: dict[str, Any], meta: dict[str, Any] | None = None) -> dict[str, Any]:
    """The JSON every socket receives: ``{"type": ..., "v": 1, "data": ...}``, JSON-safe.

    ``meta`` adds top-level keys, e.g. ``conversation``, ``seq`` and ``cursor`` of a logged event.
    """
    return json.loads(json.dumps({"type": event_type, "v": 1, "data": data, **(meta or {})}, cls=DjangoJSONEncoder))


def publish(groups: list[str], event_type: str, data: dict[str, Any], meta: dict[str, Any] | None = None) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    message = {"type": "event.forward", "event": event_payload(event_type, data, meta)}

    async def send_all() -> None:
        for group in dict.fromkeys(groups):
            await layer.group_send(group, message)

    # One hop into the event loop for all groups: each async_to_sync costs a thread hand-off.
    async_to_sync(send_all)()


def publish_on_commit(
    groups: list[str], event_type: str, data: dict[str, Any], meta: dict[str, Any] | None = None
) -> None:
    transaction.on_commit(lambda: publish(groups, event_type, data, meta))


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


QUEUE_GROUP = "queue.unassigned"
EVERYTHING_GROUP = "role.all"


def user_role_groups(user: Any) -> list[str]:
    """Groups a user hears from connection time on, matching what the selectors let them see.

    Agents: their own conversations and the unassigned queue. Supervisors: also the teams they
    belong to or supervise. Back office and admins: everything (``role.all`` only, so no event
    arrives twice). The catch-up endpoints filter the event log with the same list.
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
