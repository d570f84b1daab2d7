"""Writes of the internal chat: rooms, messages, broadcasts with read receipts, marking read.

Every live event goes to user groups only (``core.realtime.user_group``), so no socket hears a room it is not in.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Team, User
from chat.models import BroadcastReceipt, ChatMessage, Room, RoomMember
from chat.selectors import (
    broadcast_teams,
    chat_may_write_to,
    chat_unread_total,
    chat_unread_totals,
    room_title,
    team_room_people,
)
from chat.text import MAX_BODY_CHARS, chat_html, mentioned_usernames
from core.errors import ApplicationError, PermissionDeniedError
from core.realtime import publish_on_commit, user_group
from notifications.models import Notification
from notifications.services import notification_create, notifications_mark_read


class ChatBodyError(ApplicationError):
    code = "chat_body"


class ChatNotAllowedError(PermissionDeniedError):
    code = "chat_not_allowed"


class BroadcastNotAllowedError(PermissionDeniedError):
    code = "broadcast_not_allowed"


def _clean_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise ChatBodyError(_("Write a message first."), code="chat_body_empty")
    if len(body) > MAX_BODY_CHARS:
        raise ChatBodyError(
            _("A message may have at most %(limit)s characters.") % {"limit": MAX_BODY_CHARS},
            code="chat_body_too_long",
        )
    return body


def _room_get_or_create(*, key: str, kind: str, name: str = "", team: Team | None = None,
                        created_by: User | None = None) -> Room:
    room = Room.objects.filter(key=key).first()
    if room is not None:
        return room
    try:
        with transaction.atomic():
            return Room.objects.create(key=key, kind=kind, name=name, team=team, created_by=created_by)
    except IntegrityError:  # created at the same moment by another request
        return Room.objects.get(key=key)


def _members_ensure(room: Room, user_ids: set[int]) -> None:
    existing = set(RoomMember.objects.filter(room=room, user_id__in=user_ids).values_list("user_id", flat=True))
    RoomMember.objects.bulk_create([RoomMember(room=room, user_id=pk) for pk in user_ids - existing],
                                   ignore_conflicts=True)


# --- rooms -------------------------------------------------------------------------------------------------
def room_direct_get_or_create(*, actor: User, other: User) -> Room:
    """The direct room of ``actor`` and ``other``; only with someone ``actor`` may write to."""
    if not other.is_active or not chat_may_write_to(user=actor, other=other):
        raise ChatNotAllowedError(_("You cannot write to this person."))
    low, high = sorted((actor.pk, other.pk))
    room = _room_get_or_create(key=f"{low}:{high}", kind=Room.Kind.DIRECT, created_by=actor)
    _members_ensure(room, {actor.pk, other.pk})
    return room


def room_team_get_or_create(*, team: Team) -> Room:
    """The team's room, its members brought up to date: the team's active people and its supervisor
    (someone who left the team leaves the room)."""
    room = _room_get_or_create(key=f"team:{team.pk}", kind=Room.Kind.TEAM, name=team.name[:100], team=team)
    people = set(team_room_people(team=team).values_list("pk", flat=True))
    RoomMember.objects.filter(room=room).exclude(user_id__in=people).delete()
    _members_ensure(room, people)
    return room


def _broadcast_room(*, team: Team | None, actor: User) -> Room:
    if team is None:
        return _room_get_or_create(key="broadcast:all", kind=Room.Kind.BROADCAST, name=_("Announcements"),
                                   created_by=actor)
    return _room_get_or_create(key=f"broadcast:{team.pk}", kind=Room.Kind.BROADCAST,
                               name=(_("Announcements") + f" · {team.name}")[:100], team=team, created_by=actor)


# --- messages ----------------------------------------------------------------------------------------------
def message_payload(message: ChatMessage) -> dict[str, Any]:
    author = message.author
    return {
        "id": message.pk,
        "author": str(author) if author else _("Someone"),
        "author_id": message.author_id,
        "body": message.body,
        "html": str(chat_html(message.body)),
        "created_at": message.created_at,
        "is_broadcast": message.is_broadcast,
    }


def _publish_message(room: Room, message: ChatMessage, user_ids: set[int], *, title_for: dict[int, str]) -> None:
    """``chat.message`` to each of ``user_ids``, with that user's own unread total."""
    payload = message_payload(message)
    title = room_title(room)
    for user_id, unread in chat_unread_totals(user_ids=user_ids).items():
        data = {
            "room": room.pk,
            "room_kind": room.kind,
            "room_name": title_for.get(user_id, title),
            "message": payload,
            "unread_total": unread,
        }
        publish_on_commit([user_group(user_id)], "chat.message", data)


def _room_url(room: Room) -> str:
    return reverse("chat:room", args=[room.pk])


def chat_message_send(*, actor: User, room: Room, body: str) -> ChatMessage:
    """Say ``body`` in ``room`` (members only; in an announcements room only who may broadcast there).

    Mentions (``@username``) of other members notify them; a direct message notifies the other person."""
    if room.kind == Room.Kind.BROADCAST:
        return broadcast_send(actor=actor, team=room.team, body=body)
    body = _clean_body(body)
    with transaction.atomic():
        members = {m.user_id: m.user for m in RoomMember.objects.filter(room=room).select_related("user")}
        if actor.pk not in members or not actor.is_active:
            raise ChatNotAllowedError(_("You are not in this room."))
        message = ChatMessage.objects.create(room=room, author=actor, body=body)
        Room.objects.filter(pk=room.pk).update(last_message_at=message.created_at)
        room.last_message_at = message.created_at
        # the author has read up to their own message
        RoomMember.objects.filter(room=room, user=actor).update(last_read_at=message.created_at)
        url = _room_url(room) + f"#m{message.pk}"
        preview = body[:200]
        if room.kind == Room.Kind.DIRECT:
            titles = {pk: str(other) for pk in members for other in members.values() if other.pk != pk}
            for user in members.values():
                if user.pk != actor.pk:
                    notification_create(user=user, kind="chat.direct", url=url, body=preview,
                                        title=_("Message from %(name)s") % {"name": actor})
        else:
            titles = {}
            by_username = {u.username.casefold(): u for u in members.values()}
            for username in mentioned_usernames(body):
                user = by_username.get(username.casefold())
                if user is not None and user.pk != actor.pk:
                    notification_create(
                        user=user, kind="chat.mention", url=url, body=preview,
                        title=_("%(name)s mentioned you in %(room)s") % {"name": actor, "room": room_title(room)},
                    )
        _publish_message(room, message, set(members), title_for=titles)
    return message


def broadcast_recipients(*, team: Team | None, actor: User) -> list[User]:
    """A team's active people and its supervisor, or every active user; never the sender."""
    qs = team_room_people(team=team) if team is not None else User.objects.filter(is_active=True)
    return list(qs.exclude(pk=actor.pk))


def broadcast_send(*, actor: User, team: Team | None, body: str) -> ChatMessage:
    """An announcement to ``team`` (a supervisor: one of their teams; an admin: any) or to everyone (``None``,
    admins only), with a read receipt and a notification per recipient."""
    if team is None:
        allowed = actor.is_active and actor.is_admin_role
    else:
        allowed = any(t.pk == team.pk for t in broadcast_teams(user=actor))
    if not allowed:
        raise BroadcastNotAllowedError(_("You cannot send announcements to these people."))
    body = _clean_body(body)
    with transaction.atomic():
        room = _broadcast_room(team=team, actor=actor)
        recipients = broadcast_recipients(team=team, actor=actor)
        _members_ensure(room, {actor.pk, *(u.pk for u in recipients)})
        message = ChatMessage.objects.create(room=room, author=actor, body=body, is_broadcast=True)
        Room.objects.filter(pk=room.pk).update(last_message_at=message.created_at)
        room.last_message_at = message.created_at
        BroadcastReceipt.objects.bulk_create([BroadcastReceipt(message=message, user=u) for u in recipients])
        url = _room_url(room) + f"#m{message.pk}"
        for user in recipients:
            notification_create(user=user, kind="chat.broadcast", url=url, body=body[:200],
                                title=_("Announcement from %(name)s") % {"name": actor})
        _publish_message(room, message, {actor.pk, *(u.pk for u in recipients)}, title_for={})
    return message


# --- reading -----------------------------------------------------------------------------------------------
def room_mark_read(*, user: User, room: Room) -> int:
    """``user`` has read ``room`` up to now: how many messages that made read (theirs excluded).

    Pushes ``chat.read`` to the senders of the broadcasts read (their receipt lists update) and the new
    unread total to the reader's own tabs."""
    now = timezone.now()
    with transaction.atomic():
        member = RoomMember.objects.select_for_update().filter(room=room, user=user).first()
        if member is None:
            return 0
        since = Q(created_at__gt=member.last_read_at) if member.last_read_at else Q()
        marked = (room.messages.filter(since, is_broadcast=False, created_at__lte=now).exclude(author=user).count())
        member.last_read_at = now
        member.save(update_fields=["last_read_at"])
        receipts = list(BroadcastReceipt.objects.select_for_update()
                        .filter(message__room=room, user=user, read_at__isnull=True)
                        .select_related("message"))
        if receipts:
            BroadcastReceipt.objects.filter(pk__in=[r.pk for r in receipts]).update(read_at=now)
            marked += len(receipts)
            by_author: dict[int, list[int]] = defaultdict(list)
            for receipt in receipts:
                if receipt.message.author_id:
                    by_author[receipt.message.author_id].append(receipt.message_id)
            for author_id, message_ids in by_author.items():
                publish_on_commit([user_group(author_id)], "chat.read", {
                    "room": room.pk, "reader_id": user.pk, "reader": str(user), "message_ids": sorted(message_ids),
                    "read_at": now,
                })
        # the bell's notices of this room (a DM, a mention, an announcement) are read with it
        notices = Notification.objects.filter(user=user, read_at__isnull=True, kind__startswith="chat.",
                                              url__startswith=_room_url(room)).values_list("pk", flat=True)
        notifications_mark_read(user=user, ids=list(notices))
        publish_on_commit([user_group(user.pk)], "chat.read", {
            "room": room.pk, "reader_id": user.pk, "reader": str(user), "message_ids": [],
            "unread_total": chat_unread_total(user=user),
        })
    return marked
