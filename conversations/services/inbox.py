"""What agents and supervisors do to a conversation: assign, transfer, status, notes, tags, read."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.selectors import assignable_users_list
from conversations.events import publish_conversation_event
from conversations.models import Conversation, Note, Tag
from core.errors import ApplicationError, PermissionDeniedError
from core.realtime import publish_on_commit, user_group


def _locked(conversation: Conversation) -> Conversation:
    return Conversation.objects.select_for_update().get(pk=conversation.pk)


@transaction.atomic
def conversation_assign(*, actor: User, conversation: Conversation, assignee: User | None) -> Conversation:
    """Supervisors assign anyone they oversee; an agent may only take an unassigned conversation."""
    conversation = _locked(conversation)
    if actor.is_agent:
        if assignee != actor or conversation.assignee_id not in (None, actor.pk):
            raise PermissionDeniedError(_("Agents can only take unassigned conversations for themselves."))
    elif assignee is not None and not assignable_users_list(user=actor).filter(pk=assignee.pk).exists():
        raise ApplicationError(_("%(user)s cannot receive conversations from you.") % {"user": assignee},
                               code="invalid_assignee")
    previous = conversation.assignee_id
    conversation.assignee = assignee
    conversation.save(update_fields=["assignee", "updated_at"])
    publish_conversation_event(conversation, "conversation.assigned")
    if previous and previous != (assignee.pk if assignee else None):
        publish_on_commit([user_group(previous)], "conversation.assigned", {"id": conversation.pk,
                                                                            "assignee": conversation.assignee_id})
    if conversation.lead_id and assignee is not None:
        from leads.models import Lead

        Lead.objects.filter(pk=conversation.lead_id, assignee__isnull=True).update(assignee=assignee)
    return conversation


@transaction.atomic
def conversation_transfer(*, actor: User, conversation: Conversation, to: User, note: str = "") -> Conversation:
    """Hand a conversation to a colleague: the current assignee (or a supervisor) may do it."""
    conversation = _locked(conversation)
    if actor.is_agent and conversation.assignee_id != actor.pk:
        raise PermissionDeniedError(_("You can only transfer your own conversations."))
    if not to.is_active or to.role not in ("agent", "supervisor"):
        raise ApplicationError(_("%(user)s cannot receive conversations.") % {"user": to}, code="invalid_assignee")
    conversation.assignee = to
    conversation.save(update_fields=["assignee", "updated_at"])
    if note.strip():
        Note.objects.create(conversation=conversation, author=actor,
                            text=_("Transferred to %(user)s: %(note)s") % {"user": to, "note": note.strip()})
    publish_conversation_event(conversation, "conversation.assigned")
    publish_on_commit([user_group(actor.pk)], "conversation.assigned", {"id": conversation.pk, "assignee": to.pk})
    return conversation


@transaction.atomic
def conversation_set_status(
    *, actor: User, conversation: Conversation, status: str, snoozed_until: datetime | None = None
) -> Conversation:
    conversation = _locked(conversation)
    if status not in Conversation.Status.values:
        raise ApplicationError(_("Unknown status “%(status)s”.") % {"status": status}, code="invalid_status")
    if status == Conversation.Status.SNOOZED:
        if snoozed_until is None or snoozed_until <= timezone.now():
            raise ApplicationError(_("Say until when to snooze, in the future."), code="invalid_snooze")
        conversation.snoozed_until = snoozed_until
    else:
        conversation.snoozed_until = None
    conversation.status = status
    if status == Conversation.Status.RESOLVED:
        conversation.needs_human = False
    conversation.save(update_fields=["status", "snoozed_until", "needs_human", "updated_at"])
    publish_conversation_event(conversation)
    return conversation


@transaction.atomic
def conversation_add_note(*, actor: User, conversation: Conversation, text: str) -> Note:
    if not text.strip():
        raise ApplicationError(_("Write the note."), code="empty_note")
    return Note.objects.create(conversation=conversation, author=actor, text=text.strip())


@transaction.atomic
def conversation_set_tags(*, actor: User, conversation: Conversation, names: list[str]) -> list[Tag]:
    clean = sorted({n.strip().lower()[:40] for n in names if n and n.strip()})
    tags = [Tag.objects.get_or_create(name=name)[0] for name in clean]
    conversation.tags.set(tags)
    publish_conversation_event(conversation)
    return tags


@transaction.atomic
def conversation_mark_read(*, actor: User, conversation: Conversation) -> Conversation:
    conversation = _locked(conversation)
    if conversation.unread_count:
        conversation.unread_count = 0
        conversation.save(update_fields=["unread_count", "updated_at"])
        publish_conversation_event(conversation)
    return conversation
