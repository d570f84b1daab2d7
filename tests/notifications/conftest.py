"""Capturing what the channel layer carries to a user's tabs, and the conversations and catalog of other tests."""

from __future__ import annotations

from typing import Any

import pytest

from core.realtime import user_group
from tests.listener import Listener
from tests.panel.conftest import channel_account, make_conversation  # noqa: F401 - shared fixtures
from tests.sales.conftest import claro, phone  # noqa: F401 - shared fixtures


def events_of(*inboxes: Listener, wait: float = 0.3) -> list[list[dict[str, Any]]]:
    """The events that reached each user's tabs (``user.<id>``), as the JSON frames they would read."""
    return [inbox.events(wait=wait) for inbox in inboxes]


@pytest.fixture
def listen(db, listener):  # type: ignore[no-untyped-def]
    """``listen(user)``: what the channel layer carries to the user's tabs from now on."""
    return lambda user: listener(user_group(user.pk))
