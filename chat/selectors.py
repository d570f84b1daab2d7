"""Reads of the internal chat, scoped to membership: a room (and its messages) exists only for its members."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.db.models import Count, DateTimeField, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils.translation import gettext as _

from accounts.models import Role, Team, User
from accounts.policy import Reach, overseen_team_ids, role_reach
from chat.models import BroadcastReceipt, ChatMessage, Room, RoomMember

SEARCH_LIMIT = 50
MESSAGES_LIMIT = 50
_NEVER = datetime(1970, 1, 1, tzinfo=UTC)  # a member who never read: every message is after it


def chat_unread_total(*, user: User) -> int:
    """Messages by others in the user's rooms after what they last read, plus their unread broadcasts."""
    if not user.is_authenticated:
        return 0
    return chat_unread_totals(user_ids=[user.pk])[user.pk]


def chat_unread_totals(*, user_ids: Iterable[int]) -> dict[int, int]:
    """:func:`chat_unread_total` of several people at once, in two queries however many they are."""
    totals = dict.fromkeys(user_ids, 0)
    members = (RoomMember.objects.filter(user_id__in=totals).annotate(n=Coalesce(_unread_subquery(), 0))
               .values_list("user_id", "n"))
    receipts = (BroadcastReceipt.objects.filter(user_id__in=totals, read_at__isnull=True).order_by()
                .values("user_id").annotate(n=Count("pk")).values_list("user_id", "n"))
    for user_id, n in [*members, *receipts]:
        totals[user_id] += n
    return totals


# --- people ------------------------------------------------------------------------------------------------
def _staff_q() -> Q:
    """Back office and admins: everyone may write to them."""
    return Q(role__in=[Role.BACKOFFICE, Role.ADMIN]) | Q(is_superuser=True)


def chat_people_q(*, user: User) -> Q | None:
    """Who ``user`` may write to (``None``: everyone active). Agents: their team's people, their supervisor,
    back office and admins; supervisors: their teams' people, the other supervisors, back office and admins;
    back office and admins: everyone."""
    reach = role_reach(user)
    if reach is Reach.EVERYTHING:
        return None
    if reach is Reach.NOTHING:
        return Q(pk__in=[])
    q = _staff_q()
    if reach is Reach.TEAMS:
        teams = overseen_team_ids(user=user)
        q |= Q(team_id__in=teams) | Q(role=Role.SUPERVISOR) | Q(supervised_teams__in=teams)
    elif user.team_id:
        q |= Q(team_id=user.team_id) | Q(supervised_teams=user.team_id)
    return q


def chat_people_list(*, user: User) -> QuerySet[User]:
    qs = User.objects.filter(is_active=True).exclude(pk=user.pk)
    q = chat_people_q(user=user)
    if q is not None:
        qs = qs.filter(q)
    return qs.distinct().order_by("first_name", "last_name", "username")


def chat_may_write_to(*, user: User, other: User) -> bool:
    return other.pk != user.pk and chat_people_list(user=user).filter(pk=other.pk).exists()


def chat_team_ids(*, user: User) -> list[int]:
    """The teams whose room ``user`` belongs to: their own team and the teams they lead."""
    if role_reach(user) is Reach.NOTHING:
        return []
    q = Q(supervisor=user)
    if user.team_id:
        q |= Q(pk=user.team_id)
    return sorted(Team.objects.filter(q).values_list("pk", flat=True))


def team_room_people(*, team: Team) -> QuerySet[User]:
    """A team room's members: the team's active people and its supervisor."""
    q = Q(team=team)
    if team.supervisor_id:
        q |= Q(pk=team.supervisor_id)
    return User.objects.filter(q, is_active=True).distinct()


def broadcast_teams(*, user: User) -> list[Team]:
    """The teams ``user`` may broadcast to: a supervisor's teams, every team for an admin."""
    if not user.is_active:
        return []
    if user.is_admin_role:
        return list(Team.objects.order_by("name"))
    if user.is_supervisor:
        return list(Team.objects.filter(pk__in=overseen_team_ids(user=user)).order_by("name"))
    return []


def broadcast_may_send(*, user: User) -> bool:
    return bool(user.is_active and (user.is_admin_role or (user.is_supervisor and broadcast_teams(user=user))))


# --- rooms -------------------------------------------------------------------------------------------------
@dataclass
class RoomEntry:
    """A room as its member sees it in the list: the title (the other person for a DM) and what is unread."""

    room: Room
    title: str
    unread: int
    other: User | None = None
    last_read_at: datetime | None = None


def _unread_subquery() -> Subquery:
    """Per RoomMember row: others' messages after the member's last read."""
    since = Coalesce(OuterRef("last_read_at"), Value(_NEVER, output_field=DateTimeField()))
    messages = (
        ChatMessage.objects.filter(room=OuterRef("room_id"), is_broadcast=False, created_at__gt=since)
        .exclude(author_id=OuterRef("user_id"))
        .order_by()
        .values("room")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Subquery(messages, output_field=IntegerField())


def _receipts_subquery(user: User) -> Subquery:
    receipts = (
        BroadcastReceipt.objects.filter(message__room=OuterRef("room_id"), user=user, read_at__isnull=True)
        .order_by()
        .values("message__room")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Subquery(receipts, output_field=IntegerField())


def room_title(room: Room, other: User | None = None) -> str:
    """What the reader calls the room, in the reader's language (the stored name is the sender's)."""
    if room.kind == Room.Kind.DIRECT and other is not None:
        return str(other)
    if room.kind == Room.Kind.BROADCAST:
        return str(_("Announcements")) + (f" · {room.team.name}" if room.team_id else "")
    if room.kind == Room.Kind.TEAM and room.team_id:
        return room.team.name
    return room.name or room.key


def room_list_for_user(*, user: User) -> list[RoomEntry]:
    """The rooms ``user`` is a member of, the latest conversation first, each with its unread count."""
    members = (
        RoomMember.objects.filter(user=user)
        .select_related("room", "room__team")
        .annotate(unread_messages=Coalesce(_unread_subquery(), 0),
                  unread_receipts=Coalesce(_receipts_subquery(user), 0))
        .order_by(F("room__last_message_at").desc(nulls_last=True), "-room_id")
    )
    rows = list(members)
    direct_ids = [m.room_id for m in rows if m.room.kind == Room.Kind.DIRECT]
    others = {
        m.room_id: m.user
        for m in RoomMember.objects.filter(room_id__in=direct_ids).exclude(user=user).select_related("user")
    }
    entries = []
    for member in rows:
        room = member.room
        other = others.get(room.pk)
        unread = member.unread_receipts if room.kind == Room.Kind.BROADCAST else member.unread_messages
        entries.append(RoomEntry(room=room, title=room_title(room, other), unread=unread, other=other,
                                 last_read_at=member.last_read_at))
    return entries


def room_unread_for_user(*, user: User, room: Room) -> int:
    """One room's unread count for ``user`` (0 when not a member)."""
    if room.kind == Room.Kind.BROADCAST:
        return BroadcastReceipt.objects.filter(message__room=room, user=user, read_at__isnull=True).count()
    member = RoomMember.objects.filter(room=room, user=user).first()
    if member is None:
        return 0
    qs = room.messages.filter(is_broadcast=False).exclude(author=user)
    if member.last_read_at is not None:
        qs = qs.filter(created_at__gt=member.last_read_at)
    return qs.count()


def room_get_for_user(*, user: User, room_id: int | None) -> Room:
    """The room if ``user`` is one of its members (a broadcast room's members are its sender and recipients)."""
    if room_id is None or not user.is_active:
        raise Http404
    room = Room.objects.filter(pk=room_id, members__user=user).select_related("team").first()
    if room is None:
        raise Http404
    return room


def room_other_member(*, room: Room, user: User) -> User | None:
    if room.kind != Room.Kind.DIRECT:
        return None
    member = RoomMember.objects.filter(room=room).exclude(user=user).select_related("user").first()
    return member.user if member else None


def _visible_messages(user: User) -> Q:
    """In a broadcast room a member sees what they sent and what was sent to them; elsewhere, everything."""
    return (~Q(room__kind=Room.Kind.BROADCAST) | Q(author=user)
            | Q(pk__in=BroadcastReceipt.objects.filter(user=user).values("message_id")))


@dataclass
class MessagePage:
    messages: list[ChatMessage] = field(default_factory=list)
    has_more: bool = False


def room_messages(*, user: User, room: Room, before: int | None = None, limit: int = MESSAGES_LIMIT) -> MessagePage:
    """The ``limit`` messages before message id ``before`` (the latest without it), oldest first.

    ``room`` must come from ``room_get_for_user``."""
    limit = max(1, min(limit, 200))
    qs = ChatMessage.objects.filter(_visible_messages(user), room=room).select_related("author")
    if before is not None:
        qs = qs.filter(pk__lt=before)
    rows = list(qs.order_by("-created_at", "-pk")[: limit + 1])
    has_more = len(rows) > limit
    return MessagePage(messages=list(reversed(rows[:limit])), has_more=has_more)


def chat_search(*, user: User, q: str, limit: int = SEARCH_LIMIT) -> list[ChatMessage]:
    """Messages containing ``q`` in the rooms ``user`` belongs to, newest first."""
    q = " ".join((q or "").split())
    if len(q) < 2 or not user.is_active:
        return []
    rooms = RoomMember.objects.filter(user=user).values("room_id")
    return list(
        ChatMessage.objects.filter(_visible_messages(user), room_id__in=rooms, body__icontains=q)
        .select_related("author", "room")
        .order_by("-created_at", "-pk")[:limit]
    )


# --- broadcasts --------------------------------------------------------------------------------------------
@dataclass
class Receipts:
    message: ChatMessage
    read: list[BroadcastReceipt]
    unread: list[BroadcastReceipt]


def broadcast_message_get_for_user(*, user: User, message_id: int | None) -> ChatMessage:
    """A broadcast message whose receipts ``user`` may read: its sender's, or any for an admin."""
    if message_id is None or not user.is_active:
        raise Http404
    qs = ChatMessage.objects.filter(pk=message_id, is_broadcast=True).select_related("room", "author")
    if not user.is_admin_role:
        qs = qs.filter(author=user)
    message = qs.first()
    if message is None:
        raise Http404
    return message


def broadcast_receipts(*, user: User, message_id: int | None) -> Receipts:
    """Who has read a broadcast and who has not (sender or admin only; 404 otherwise)."""
    message = broadcast_message_get_for_user(user=user, message_id=message_id)
    rows = list(message.receipts.select_related("user").order_by("user__first_name", "user__username"))
    return Receipts(message=message, read=[r for r in rows if r.read_at], unread=[r for r in rows if not r.read_at])


def broadcasts_sent(*, user: User, limit: int = 20) -> list[Receipts]:
    """``user``'s latest broadcasts with their receipts (an admin's too)."""
    messages = list(
        ChatMessage.objects.filter(is_broadcast=True, author=user).select_related("room")
        .prefetch_related("receipts__user").order_by("-created_at", "-pk")[:limit]
    )
    result = []
    for message in messages:
        rows = sorted(message.receipts.all(), key=lambda r: (r.user.first_name, r.user.username))
        result.append(Receipts(message=message, read=[r for r in rows if r.read_at],
                               unread=[r for r in rows if not r.read_at]))
    return result


def receipts_for_messages(*, user: User, messages: list[ChatMessage]) -> dict[int, Receipts]:
    """Receipts of the broadcast messages among ``messages`` that ``user`` sent (all of them for an admin)."""
    own = [m for m in messages if m.is_broadcast and (m.author_id == user.pk or user.is_admin_role)]
    if not own:
        return {}
    rows = BroadcastReceipt.objects.filter(message__in=own).select_related("user").order_by(
        "user__first_name", "user__username")
    by_message: dict[int, list[BroadcastReceipt]] = {m.pk: [] for m in own}
    for row in rows:
        by_message[row.message_id].append(row)
    return {m.pk: Receipts(message=m, read=[r for r in by_message[m.pk] if r.read_at],
                           unread=[r for r in by_message[m.pk] if not r.read_at]) for m in own}
