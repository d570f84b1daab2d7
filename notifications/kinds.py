"""The kinds of notification, each registered by the app that sends it (in its ``AppConfig.ready()``).

    # tickets/apps.py
    from notifications import kinds
    kinds.register("ticket.assigned", label=_("Ticket assigned"), icon="ticket")

The bell shows a kind's ``icon`` (a short word the top bar's CSS knows: chat, ticket, sale, quote, clock,
megaphone, at, inbox, money); an unknown kind is refused by ``notification_create``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise


@dataclass(frozen=True)
class Kind:
    code: str
    label: str | Promise
    icon: str


_KINDS: dict[str, Kind] = {}


def register(code: str, *, label: str | Promise, icon: str = "inbox") -> Kind:
    """Declare a kind; registering the same code twice with another label is an error (two apps, one name)."""
    kind = Kind(code=code, label=label, icon=icon)
    existing = _KINDS.get(code)
    if existing is not None and existing != kind:
        raise ValueError(f"notification kind {code!r} is already registered differently")
    _KINDS[code] = kind
    return kind


def get(code: str) -> Kind | None:
    return _KINDS.get(code)


def all_kinds() -> list[Kind]:
    return sorted(_KINDS.values(), key=lambda kind: kind.code)
