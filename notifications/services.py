"""The one way any app tells a user something needs them: a row under the bell, pushed live to their tabs."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from core.errors import ApplicationError
from core.realtime import publish_on_commit, user_group
from notifications import kinds
from notifications.models import Notification


class UnknownKindError(ApplicationError):
    code = "unknown_notification_kind"


def _clip(text: str, limit: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def unread_count(*, user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def notification_payload(notification: Notification) -> dict:
    kind = kinds.get(notification.kind)
    return {
        "id": notification.pk,
        "kind": notification.kind,
        "icon": kind.icon if kind else "inbox",
        "label": str(kind.label) if kind else notification.kind,
        "title": notification.title,
        "body": notification.body,
        "url": notification.url,
        "created_at": notification.created_at,
        "read": notification.is_read,
    }


def notification_create(
    *, user: User, kind: str, title: str, body: str = "", url: str = "", dedupe_key: str = ""
) -> Notification | None:
    """Store a notice for ``user`` and push ``notification.created`` to their tabs after commit.

    Returns ``None`` (and stores nothing) for an inactive user, or when a notice of this ``kind`` with this
    ``dedupe_key`` was already sent to them (an SLA warning comes once however often the clock is checked).
    """
    if kinds.get(kind) is None:
        raise UnknownKindError(f"Unknown notification kind {kind!r}.")
    if not user.is_active:
        return None
    if dedupe_key and Notification.objects.filter(user=user, kind=kind, dedupe_key=dedupe_key).exists():
        return None
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                user=user, kind=kind, title=_clip(title, 200), body=_clip(body, 500), url=url[:500],
                dedupe_key=dedupe_key[:120],
            )
    except IntegrityError:  # the same key, sent at the same moment by another worker
        return None
    data = notification_payload(notification)
    data["unread"] = unread_count(user=user)
    publish_on_commit([user_group(user.pk)], "notification.created", data)
    return notification


def notifications_notify_many(
    *, users: Iterable[User], kind: str, title: str, body: str = "", url: str = "", dedupe_key: str = ""
) -> int:
    """``notification_create`` for each user; how many got one."""
    return sum(
        notification_create(user=user, kind=kind, title=title, body=body, url=url, dedupe_key=dedupe_key) is not None
        for user in users
    )


def notifications_mark_read(*, user: User, ids: Iterable[int] | None = None) -> int:
    """Mark the user's notices read (the given ones, or all); pushes ``notification.read`` with the new count."""
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    changed = qs.update(read_at=timezone.now())
    if changed:
        publish_on_commit([user_group(user.pk)], "notification.read", {"unread": unread_count(user=user)})
    return changed
