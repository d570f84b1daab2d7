"""The team's internal chat over the last days, through chat's own services, then dated back: Equipo Lima's
room (a mention of Diego, a link to a ticket ``#T<id>`` and to a conversation ``#C<id>``), a direct chat
between Sofía (the supervisor) and Lucía, and Sofía's announcement to Equipo Lima that Lucía has read and
Diego has not (so its receipts show both).

Each line is said now (``chat_message_send``, ``broadcast_send``) and read now (``room_mark_read``); the
message, the room's last activity, who has read up to where, the receipts and the notices then get the
line's own time. Keyed on the first line of each thread: a second run adds none.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Max
from django.utils import timezone

from accounts.models import Team, User
from chat.models import BroadcastReceipt, ChatMessage, Room, RoomMember
from chat.services import (
    broadcast_send,
    chat_message_send,
    room_direct_get_or_create,
    room_mark_read,
    room_team_get_or_create,
)
from conversations.models import Conversation
from demo.seed.context import SeedContext
from notifications.models import Notification
from tickets.models import Ticket


@dataclass(frozen=True)
class Line:
    """``by`` says ``text`` (``{ticket}`` / ``{conversation}``: ids filled in) ``days_ago`` at ``hour:minute``
    local; ``read_by`` read the room right after it."""

    days_ago: int
    hour: int
    minute: int
    by: str
    text: str
    read_by: tuple[str, ...] = ()


TEAM_ROOM = [
    Line(2, 9, 2, "supervisor", "Buenos días equipo 👋 Hoy priorizamos los reclamos abiertos y las portabilidades "
                                "pendientes.", read_by=("agente1", "agente2")),
    Line(2, 9, 15, "agente1", "@agente2 ¿me ayudas con el ticket #T{rosa}? A Rosa Huamán no le instalaron la "
                              "fibra el jueves y Claro no confirma fecha."),
    Line(2, 9, 21, "agente2", "Sí, tengo el contacto del coordinador de Claro. Lo llamo y te aviso 👍",
         read_by=("agente1",)),
    Line(1, 10, 5, "agente2", "Listo @agente1: reprograman la visita, pero sin hora todavía.",
         read_by=("agente1", "supervisor")),
    Line(0, 9, 10, "supervisor", "Ojo con la conversación #C{victor}: cliente sin internet hace 3 días, ya tiene "
                                 "ticket #T{victor_ticket}. @agente2 llámalo hoy, por favor.",
         read_by=("agente1",)),
]

DIRECT = [  # Sofía (supervisor) and Lucía (agente1)
    Line(1, 16, 40, "supervisor", "Lucía, ¿cómo vas con la cuota 3 de Héctor Núñez?", read_by=("agente1",)),
    Line(1, 16, 44, "agente1", "Prometió pagarla el viernes; lo dejé en el calendario de cobranza.",
         read_by=("supervisor",)),
    Line(1, 16, 46, "supervisor", "Perfecto, gracias 🙌 Si paga esta semana le condonamos la mora."),
]

ANNOUNCEMENT = Line(1, 8, 30, "supervisor", "📢 Desde el lunes la portabilidad a Entel tiene 50 % de descuento los "
                                            "3 primeros meses. Revisen sus cotizaciones pendientes y avisen a sus "
                                            "clientes.", read_by=("agente1",))


def _moment(ctx: SeedContext, line: Line) -> datetime:
    local = timezone.localtime(ctx.now) - timedelta(days=line.days_ago)
    return ctx.clamp(local.replace(hour=line.hour, minute=line.minute, second=0, microsecond=0))


def _refs() -> dict[str, int]:
    def ticket_id(phone: str) -> int:
        return Ticket.objects.filter(contact__phone=phone).order_by("pk").values_list("pk", flat=True).first() or 0

    victor = (Conversation.objects.filter(contact__phone="+51996218437").order_by("-pk")
              .values_list("pk", flat=True).first() or 0)
    return {"rosa": ticket_id("+51987412356"), "victor": victor, "victor_ticket": ticket_id("+51996218437")}


def _date(message: ChatMessage, moment: datetime, since_notice: int) -> None:
    """The message, its room's last activity, its author's reading and its notices, at ``moment``."""
    ChatMessage.objects.filter(pk=message.pk).update(created_at=moment)
    last = ChatMessage.objects.filter(room_id=message.room_id).aggregate(t=Max("created_at"))["t"]
    Room.objects.filter(pk=message.room_id).update(last_message_at=last)
    if message.author_id:
        RoomMember.objects.filter(room_id=message.room_id, user_id=message.author_id).update(last_read_at=moment)
    Notification.objects.filter(pk__gt=since_notice, url__endswith=f"#m{message.pk}").update(
        created_at=moment, updated_at=moment)


def _read(users: dict[str, User], room: Room, readers: tuple[str, ...], moment: datetime) -> None:
    for username in readers:
        user = users[username]
        room_mark_read(user=user, room=room)
        RoomMember.objects.filter(room=room, user=user).update(last_read_at=moment)
        BroadcastReceipt.objects.filter(message__room=room, user=user, read_at__gt=moment).update(read_at=moment)
        # what they read, they saw in the bell too
        Notification.objects.filter(user=user, url__startswith=f"/chat/{room.pk}/", read_at__isnull=True).update(
            read_at=moment)


def _thread(ctx: SeedContext, room: Room, lines: list[Line], say: Callable[[User, str], ChatMessage]) -> int:
    if ChatMessage.objects.filter(room=room, body=lines[0].text.format(**_refs())).exists():
        return 0
    refs = _refs()
    for index, line in enumerate(lines):
        moment = _moment(ctx, line) + timedelta(seconds=index)  # lines of one minute keep their order
        since = Notification.objects.aggregate(n=Max("pk"))["n"] or 0
        message = say(ctx.users[line.by], line.text.format(**refs))
        _date(message, moment, since)
        _read(ctx.users, room, line.read_by, moment + timedelta(minutes=2))
    return len(lines)


def internal_chat_ensure(ctx: SeedContext) -> int:
    """The team room's talk, the direct chat and the announcement not there yet; how many messages were added."""
    users = ctx.users
    lima = Team.objects.get(name="Equipo Lima")
    added = 0
    team_room = room_team_get_or_create(team=lima)
    added += _thread(ctx, team_room, TEAM_ROOM,
                     lambda actor, body: chat_message_send(actor=actor, room=team_room, body=body))
    direct = room_direct_get_or_create(actor=users["supervisor"], other=users["agente1"])
    added += _thread(ctx, direct, DIRECT, lambda actor, body: chat_message_send(actor=actor, room=direct, body=body))
    if not ChatMessage.objects.filter(is_broadcast=True, body=ANNOUNCEMENT.text).exists():
        since = Notification.objects.aggregate(n=Max("pk"))["n"] or 0
        moment = _moment(ctx, ANNOUNCEMENT)
        message = broadcast_send(actor=users[ANNOUNCEMENT.by], team=lima, body=ANNOUNCEMENT.text)
        _date(message, moment, since)
        _read(users, Room.objects.get(pk=message.room_id), ANNOUNCEMENT.read_by, moment + timedelta(minutes=40))
        added += 1
    return added
