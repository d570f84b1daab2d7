"""Reads of conversations and messages, scoped by role (CONTRACT section 6).

Agents see conversations assigned to them and the unassigned queue; supervisors their team's and
the queue; back office and admins everything. A conversation the user may not see is a 404.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.http import Http404

from accounts.models import User
from accounts.selectors import team_member_q
from conversations.models import Channel, Conversation, Message
from integrations.base import Provider


def conversation_visible_queryset(*, user: User) -> QuerySet[Conversation]:
    qs = Conversation.objects.all()
    if user.is_admin_role or user.is_backoffice:
        return qs
    if user.is_supervisor:
        return qs.filter(team_member_q(user, prefix="assignee") | Q(assignee__isnull=True))
    return qs.filter(Q(assignee=user) | Q(assignee__isnull=True))


@dataclass(frozen=True)
class ConversationFilters:
    status: str = ""
    channel: str = ""
    assignee: str = ""  # id, "me" or "none"
    priority: str = ""
    q: str = ""
    needs_human: bool | None = None


def conversation_list(*, user: User, filters: ConversationFilters | None = None) -> QuerySet[Conversation]:
    filters = filters or ConversationFilters()
    qs = (
        conversation_visible_queryset(user=user)
        .select_related("contact", "channel_account", "assignee", "lead")
        .prefetch_related("tags")
    )
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.channel == Channel.INSTAGRAM:
        qs = qs.filter(channel_account__provider=Provider.INSTAGRAM)
    elif filters.channel == Channel.WHATSAPP:
        qs = qs.exclude(channel_account__provider=Provider.INSTAGRAM)
    if filters.priority:
        qs = qs.filter(priority=filters.priority)
    if filters.needs_human is not None:
        qs = qs.filter(needs_human=filters.needs_human)
    if filters.assignee == "me":
        qs = qs.filter(assignee=user)
    elif filters.assignee == "none":
        qs = qs.filter(assignee__isnull=True)
    elif filters.assignee.isdigit():
        qs = qs.filter(assignee_id=int(filters.assignee))
    if filters.q:
        digits = "".join(ch for ch in filters.q if ch.isdigit())
        search = Q(contact__name__icontains=filters.q) | Q(last_message_preview__icontains=filters.q)
        if len(digits) >= 4:
            search |= Q(contact__phone__contains=digits)
        qs = qs.filter(search)
    return qs.order_by("-last_message_at", "-pk")


def conversation_get_for_user(*, user: User, conversation_id: int) -> Conversation:
    try:
        return conversation_list(user=user).get(pk=conversation_id)
    except Conversation.DoesNotExist as exc:
        raise Http404 from exc


def message_list(*, conversation: Conversation) -> QuerySet[Message]:
    return conversation.messages.select_related("author").order_by("-created_at", "-pk")


def conversation_by_phone(*, user: User, phone: str) -> QuerySet[Conversation]:
    return conversation_list(user=user).filter(Q(contact__phone=phone) | Q(contact__whatsapp_id=phone.lstrip("+")))


def quick_reply_list(*, user: User, prefix: str = "") -> QuerySet:
    """Canned replies the user may use: the global ones and their team's, by shortcut."""
    from conversations.models import QuickReply

    qs = QuickReply.objects.filter(is_active=True).filter(Q(team__isnull=True) | Q(team_id=user.team_id))
    if prefix:
        qs = qs.filter(shortcut__startswith=prefix.lower().lstrip("/"))
    return qs.order_by("shortcut")[:10]
