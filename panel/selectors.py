"""Reads the chat panel needs on top of ``conversations.selectors``."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from accounts.models import Role, User
from accounts.selectors import assignable_users_list
from conversations.models import Conversation, Message, MessageTemplate, Note
from conversations.selectors import message_list

HISTORY_LIMIT = 200


def transfer_candidates_list(*, user: User, conversation: Conversation) -> QuerySet[User]:
    """Whom ``user`` may hand ``conversation`` to: whom they may assign, plus the agents of their team."""
    q = Q(pk__in=assignable_users_list(user=user).values("pk"))
    if user.team_id:
        q |= Q(team_id=user.team_id, role__in=[Role.AGENT, Role.SUPERVISOR])
    qs = User.objects.filter(q, is_active=True).exclude(pk=user.pk)
    if conversation.assignee_id:
        qs = qs.exclude(pk=conversation.assignee_id)
    return qs.order_by("first_name", "username")


def message_history(*, conversation: Conversation, limit: int = HISTORY_LIMIT) -> list[Message]:
    """The last ``limit`` messages, oldest first."""
    return list(message_list(conversation=conversation)[:limit])[::-1]


def message_get_for_conversation(*, conversation: Conversation, message_id: int) -> Message:
    return message_list(conversation=conversation).get(pk=message_id)


def note_list(*, conversation: Conversation) -> QuerySet[Note]:
    return conversation.notes.select_related("author").order_by("created_at", "pk")


def template_list(*, conversation: Conversation) -> QuerySet[MessageTemplate]:
    return MessageTemplate.objects.filter(channel_account_id=conversation.channel_account_id, is_active=True)
