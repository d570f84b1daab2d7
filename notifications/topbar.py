"""Counts the top bar shows beside the bell, each given by the app that owns it (the chat's unread messages).

The notification centre sits below the apps that count things (``chat`` is a floor above), so it cannot ask them;
they register a counter in their ``AppConfig.ready()`` instead::

    from notifications.topbar import counter_register
    counter_register("chat_unread", chat_unread_total)   # fn(*, user) -> int

A counter nobody registered reads 0.
"""

from __future__ import annotations

from collections.abc import Callable

from accounts.models import User

Counter = Callable[..., int]

_COUNTERS: dict[str, Counter] = {}


def counter_register(name: str, fn: Counter) -> None:
    _COUNTERS[name] = fn


def topbar_count(name: str, *, user: User) -> int:
    fn = _COUNTERS.get(name)
    return int(fn(user=user)) if fn is not None else 0
