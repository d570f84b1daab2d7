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

    async def collect(self, wait: float) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        while True:
            try:
                # the first read may connect to Redis first: a busy machine gets more time for it
                timeout = wait if found else max(wait, 2.0)
                message = await asyncio.wait_for(self.layer.receive(self.channel), timeout=timeout)
            except TimeoutError:
                return found
            found.append(message["event"])

    def events(self, *, wait: float = 0.3) -> list[dict[str, Any]]:
        """What arrived so far. Once per test: a Redis layer's channel stays bound to the loop that read it."""
        return async_to_sync(self.collect)(wait)

    def of_type(self, event_type: str) -> list[dict[str, Any]]:
        return [event for event in self.events() if event["type"] == event_type]


def events_of(*inboxes: Inbox, wait: float = 0.3) -> list[list[dict[str, Any]]]:
    """What arrived at each inbox, read in one event loop (see ``Inbox.events``)."""

    async def collect_all() -> list[list[dict[str, Any]]]:
        return list(await asyncio.gather(*(inbox.collect(wait) for inbox in inboxes)))

    return async_to_sync(collect_all)()


@pytest.fixture
def listen(db):  # type: ignore[no-untyped-def]
    return lambda user: Inbox(user.pk)
