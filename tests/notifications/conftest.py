"""Capturing what the channel layer carries to a user's tabs, and the conversations and catalog of other tests."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from core.realtime import user_group
from tests.panel.conftest import channel_account, make_conversation  # noqa: F401 - shared fixtures
from tests.sales.conftest import claro, phone  # noqa: F401 - shared fixtures


class Inbox:
    """The events a user's sockets would get (``user.<id>``), as the JSON frames they would read."""

    def __init__(self, user_id: int) -> None:
        self.layer = get_channel_layer()
        self.channel = async_to_sync(self.layer.new_channel)()
        async_to_sync(self.layer.group_add)(user_group(user_id), self.channel)

    def events(self, *, wait: float = 0.3) -> list[dict[str, Any]]:
        async def collect() -> list[dict[str, Any]]:
            found = []
            while True:
                try:
                    message = await asyncio.wait_for(self.layer.receive(self.channel), timeout=wait)
                except TimeoutError:
                    return found
                found.append(message["event"])

        return async_to_sync(collect)()

    def of_type(self, event_type: str) -> list[dict[str, Any]]:
        return [event for event in self.events() if event["type"] == event_type]


@pytest.fixture
def listen(db):  # type: ignore[no-untyped-def]
    return lambda user: Inbox(user.pk)
