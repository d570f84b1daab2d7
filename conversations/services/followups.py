"""Scheduled follow-ups and silence reminders.

- ``followup_schedule`` / ``followup_cancel`` / ``followup_done``: what an agent does in the panel.
- ``followups_run_due`` (beat, every minute): each due follow-up is claimed with a conditional UPDATE
  (scheduled -> sent) in the transaction that queues its message, so two runs never send it twice.
  Free text while the 24-hour window is open; the chosen approved template once it has closed; with
  no template, failed with the reason and a note for the agent.
- ``followups_cancel`` / ``followups_send_now``: the back office's bulk actions on scheduled follow-ups.
- ``reminders_run`` (beat): a conversation whose customer has not answered our last message for the
  channel account's ``reminder_after_hours`` gets one reminder (note + event to the assignee) per silence.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import DateTimeField, F, Q, Value
from django.db.models.functions import Least
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from conversations.models import (
    ChannelAccount,
    Conversation,
    ConversationEvent,
    FollowUpTask,
    MessageTemplate,
    Note,
)
from conversations.services.outbound import WindowClosedError, message_send
from core.errors import ApplicationError, PermissionDeniedError
from core.realtime import publish_on_commit, user_group
from notifications.services import notification_create

logger = logging.getLogger(__name__)

RUN_BATCH = 200
REMINDER_STATUSES = (Conversation.Status.OPEN, Conversation.Status.PENDING)


class FollowUpStateError(ApplicationError):
    code = "followup_not_scheduled"


@dataclass(frozen=True)
class RunResult:
    sent: int = 0
    failed: int = 0
    skipped: int = 0


def _check_template(*, conversation: Conversation, template: MessageTemplate | None, variables: list[str]) -> None:
    if template is None:
        return
    if template.channel_account_id != conversation.channel_account_id or not template.is_active:
        raise ApplicationError(_("That template is not available on this number."), code="invalid_template")
    if len(variables) != template.variable_count:
        raise ApplicationError(
            ngettext("The template needs %(n)d value.", "The template needs %(n)d values.", template.variable_count)
            % {"n": template.variable_count},
            code="invalid_template",
        )


@transaction.atomic
def followup_schedule(
    *,
    actor: User,
    conversation: Conversation,
    due_at: datetime,
    text: str = "",
    template: MessageTemplate | None = None,
    variables: list[str] | None = None,
) -> FollowUpTask:
    """Schedule a message for ``due_at``. The caller has checked that ``actor`` may see the conversation."""
    if actor.is_backoffice:
        raise PermissionDeniedError(_("Back office cannot write to customers."))
    text = text.strip()
    variables = [str(v).strip() for v in variables or []] if template else []
    if not text and template is None:
        raise ApplicationError(_("Write the message or choose a template."), code="empty_followup")
    if due_at <= timezone.now():
        raise ApplicationError(_("Choose a time in the future."), code="invalid_due_at")
    _check_template(conversation=conversation, template=template, variables=variables)
    followup = FollowUpTask(conversation=conversation, created_by=actor, due_at=due_at, text=text,
                            template=template, template_variables=variables)
    followup.full_clean()
    followup.save()
    return followup


def _locked(followup: FollowUpTask) -> FollowUpTask:
    return FollowUpTask.objects.select_for_update().get(pk=followup.pk)


@transaction.atomic
def followup_cancel(*, actor: User, followup: FollowUpTask) -> FollowUpTask:
    followup = _locked(followup)
    if followup.state != FollowUpTask.State.SCHEDULED:
        raise FollowUpStateError(_("Only a scheduled follow-up can be cancelled."))
    followup.state = FollowUpTask.State.CANCELLED
    followup.save(update_fields=["state", "updated_at"])
    return followup


@transaction.atomic
def followup_done(*, actor: User, followup: FollowUpTask) -> FollowUpTask:
    """The agent followed up by other means (or dealt with a failed one): nothing will be sent."""
    followup = _locked(followup)
    if followup.state not in (FollowUpTask.State.SCHEDULED, FollowUpTask.State.FAILED):
        raise FollowUpStateError(_("This follow-up is already closed."))
    followup.state = FollowUpTask.State.DONE
    followup.save(update_fields=["state", "updated_at"])
    return followup


@dataclass(frozen=True)
class BulkResult:
    changed: int = 0
    skipped: int = 0  # selected, but not scheduled (already sent, failed, cancelled or done)


def followups_cancel(*, actor: User, followup_ids: Iterable[int]) -> BulkResult:
    """Cancel the scheduled follow-ups among ``followup_ids`` in one conditional UPDATE; leave the rest alone.

    The caller has checked that ``actor`` may see them (the admin's queryset).
    """
    ids = set(followup_ids)
    changed = FollowUpTask.objects.filter(pk__in=ids, state=FollowUpTask.State.SCHEDULED).update(
        state=FollowUpTask.State.CANCELLED, updated_at=timezone.now()
    )
    return BulkResult(changed=changed, skipped=len(ids) - changed)


def followups_send_now(*, actor: User, followup_ids: Iterable[int], now: datetime | None = None) -> BulkResult:
    """Make the scheduled follow-ups among ``followup_ids`` due now, so the next ``followups_run_due`` sends them.

    Those already due keep their time (and their place in the queue); the others are left alone.
    """
    if actor.is_backoffice:
        raise PermissionDeniedError(_("Back office cannot write to customers."))
    now = now or timezone.now()
    ids = set(followup_ids)
    changed = FollowUpTask.objects.filter(pk__in=ids, state=FollowUpTask.State.SCHEDULED).update(
        due_at=Least(F("due_at"), Value(now, output_field=DateTimeField())), updated_at=now
    )
    return BulkResult(changed=changed, skipped=len(ids) - changed)


def _fail(followup: FollowUpTask, reason: str) -> None:
    FollowUpTask.objects.filter(pk=followup.pk).update(state=FollowUpTask.State.FAILED, error=reason,
                                                       updated_at=timezone.now())
    Note.objects.create(
        conversation_id=followup.conversation_id, author=None,
        text=_("The scheduled follow-up was not sent: %(reason)s") % {"reason": reason},
    )
    if followup.created_by_id:
        publish_on_commit([user_group(followup.created_by_id)], "followup.failed",
                          {"id": followup.pk, "conversation": followup.conversation_id, "error": reason})
        # The customer is still waiting: the person who scheduled it must write instead, so it goes under the bell.
        notification_create(
            user=followup.created_by, kind="followup.failed",
            title=_("A scheduled follow-up to %(contact)s was not sent")
            % {"contact": followup.conversation.contact.name},
            body=reason, url=reverse("panel:conversation", args=[followup.conversation_id]),
            dedupe_key=f"followup:{followup.pk}",
        )


@transaction.atomic
def followup_send(*, followup_id: int, now: datetime | None = None) -> str:
    """Send one due follow-up: ``"sent"``, ``"failed"`` or ``"skipped"`` (someone else claimed it)."""
    now = now or timezone.now()
    claimed = FollowUpTask.objects.filter(
        pk=followup_id, state=FollowUpTask.State.SCHEDULED, due_at__lte=now
    ).update(state=FollowUpTask.State.SENT, updated_at=now)
    if not claimed:
        return "skipped"
    followup = (FollowUpTask.objects.select_related("conversation__contact", "template", "created_by")
                .get(pk=followup_id))
    conversation = followup.conversation
    message = None
    try:
        if followup.text:
            try:
                message = message_send(conversation=conversation, text=followup.text, actor=followup.created_by)
            except WindowClosedError:
                if followup.template is None:
                    raise
        if message is None and followup.template is not None:
            message = message_send(conversation=conversation, actor=followup.created_by,
                                   template=followup.template, variables=followup.template_variables)
    except WindowClosedError:
        _fail(followup, _("the 24-hour window had closed and no template was chosen."))
        return "failed"
    except ApplicationError as exc:
        _fail(followup, exc.message)
        return "failed"
    FollowUpTask.objects.filter(pk=followup_id).update(sent_message=message, error="")
    return "sent"


def followups_run_due(*, now: datetime | None = None, limit: int = RUN_BATCH) -> RunResult:
    """Send the follow-ups that are due (the beat task). Safe to run twice at once."""
    now = now or timezone.now()
    due = list(
        FollowUpTask.objects.filter(state=FollowUpTask.State.SCHEDULED, due_at__lte=now)
        .order_by("due_at", "pk").values_list("pk", flat=True)[:limit]
    )
    counts = {"sent": 0, "failed": 0, "skipped": 0}
    for followup_id in due:
        counts[followup_send(followup_id=followup_id, now=now)] += 1
    return RunResult(**counts)


def reminders_run(*, now: datetime | None = None) -> int:
    """Remind assignees of conversations whose customer has been silent too long; one reminder per silence.

    A silence starts with our message after the customer's last one; it ends when they write again.
    """
    now = now or timezone.now()
    sent = 0
    for account in ChannelAccount.objects.filter(reminder_after_hours__gt=0, is_active=True):
        silent = (
            Conversation.objects.filter(
                channel_account=account, assignee__isnull=False, status__in=REMINDER_STATUSES,
                last_outbound_at__lte=now - timedelta(hours=account.reminder_after_hours),
            )
            .filter(Q(last_inbound_at__isnull=True) | Q(last_outbound_at__gt=F("last_inbound_at")))
            .filter(Q(silence_reminded_at__isnull=True) | Q(silence_reminded_at__lt=F("last_inbound_at")))
        )
        for conversation_id in silent.values_list("pk", flat=True)[:RUN_BATCH]:
            sent += conversation_remind(conversation_id=conversation_id, hours=account.reminder_after_hours,
                                        now=now)
    return sent


@transaction.atomic
def conversation_remind(*, conversation_id: int, hours: int, now: datetime) -> int:
    """Claim the reminder of the current silence (conditional UPDATE) and tell the assignee. 1 if sent."""
    claimed = (
        Conversation.objects.filter(pk=conversation_id, assignee__isnull=False)
        .filter(Q(silence_reminded_at__isnull=True) | Q(silence_reminded_at__lt=F("last_inbound_at")))
        .update(silence_reminded_at=now)
    )
    if not claimed:
        return 0
    conversation = Conversation.objects.select_related("contact", "assignee").get(pk=conversation_id)
    text = ngettext(
        "The customer has not answered for %(hours)d hour: follow up.",
        "The customer has not answered for %(hours)d hours: follow up.", hours,
    ) % {"hours": hours}
    Note.objects.create(conversation=conversation, author=None, text=text)
    publish_on_commit([user_group(conversation.assignee_id)], "conversation.reminder",
                      {"id": conversation.pk, "contact": conversation.contact.name, "text": text})
    notification_create(
        user=conversation.assignee, kind="followup.due",
        title=_("Follow up with %(contact)s") % {"contact": conversation.contact.name}, body=text,
        url=reverse("panel:conversation", args=[conversation.pk]),
        dedupe_key=f"silence:{conversation.pk}:{now.isoformat()}",
    )
    return 1


def conversation_events_prune(*, days: int = 7, batch: int = 10_000) -> int:
    """Delete event-log rows older than ``days``, in batches so no single statement holds locks for long."""
    cutoff = timezone.now() - timedelta(days=days)
    deleted = 0
    while True:
        ids = list(ConversationEvent.objects.filter(created_at__lt=cutoff).values_list("pk", flat=True)[:batch])
        if not ids:
            return deleted
        deleted += ConversationEvent.objects.filter(pk__in=ids).delete()[0]
