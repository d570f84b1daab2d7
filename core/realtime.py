"""Real-time events to browsers, sent only after the transaction that caused them commits."""

from __future__ import annotations

import json
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction


def event_payload(event_type: str, data: dict[str, Any]) -> dict[str, Any]:
    """The JSON every socket receives: ``{"type": ..., "v": 1, "data": ...}``, JSON-safe."""
    return json.loads(json.dumps({"type": event_type, "v": 1, "data": data}, cls=DjangoJSONEncoder))


def publish(groups: list[str], event_type: str, data: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    message = {"type": "event.forward", "event": event_payload(event_type, data)}
    for group in dict.fromkeys(groups):
        async_to_sync(layer.group_send)(group, message)


def publish_on_commit(groups: list[str], event_type: str, data: dict[str, Any]) -> None:
    transaction.on_commit(lambda: publish(groups, event_type, data))


def user_group(user_id: int) -> str:
    return f"user.{user_id}"
