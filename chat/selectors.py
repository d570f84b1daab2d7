"""Reads of the internal chat, scoped to membership: a room (and its messages) exists only for its members."""

from __future__ import annotations

from django.db.models import F, Q

from accounts.models import User
from chat.models import BroadcastReceipt, ChatMessage


def chat_unread_total(*, user: User) -> int:
    """Messages by others in the user's rooms after what they last read, plus their unread broadcasts."""
    if not user.is_authenticated:
        return 0
    in_rooms = (
        ChatMessage.objects.filter(
            Q(room__members__user=user)
            & (Q(room__members__last_read_at__isnull=True) | Q(created_at__gt=F("room__members__last_read_at"))),
            is_broadcast=False,
        )
        .exclude(author=user)
        .count()
    )
    broadcasts = BroadcastReceipt.objects.filter(user=user, read_at__isnull=True).count()
    return in_rooms + broadcasts
