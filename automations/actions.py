"""What a rule's actions do, each through the owning app's service, each in its own savepoint.

An action never raises: its outcome is an :class:`ActionResult` (ok or not, and a line a supervisor can read),
so one failing step (the 24-hour window closed, an agent who left) is logged and the rest go on.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import Role, User
from automations.models import ActionKind, AutomationAction, AutomationRule
from conversations.models import Message
from conversations.services.followups import followup_schedule
from conversations.services.inbox import conversation_add_tag, conversation_set_priority
from conversations.services.outbound import WindowClosedError, message_send
from core.errors import ApplicationError
from leads.outreach import first_name
from notifications.services import notification_create
from tickets.models import Ticket
from tickets.services import ticket_create

try:  # routing is written beside this app (issue 17): until it lands, its actions say so in their result
    from routing.services import conversation_route
except ImportError:  # pragma: no cover - gone once routing ships
    conversation_route = None
try:  # the system's assignment (no person acting) is added with routing
    from conversations.services.inbox import conversation_assign_system
except ImportError:  # pragma: no cover - gone once routing ships
    conversation_assign_system = None

if TYPE_CHECKING:
    from automations.engine import Subject

logger = logging.getLogger(__name__)

NOTICE_KIND = "automation.notice"


@dataclass(frozen=True)
class ActionResult:
    action_id: int
    kind: str
    label: str
    ok: bool
    detail: str = ""

    def as_dict(self) -> dict[str, object]:
        return {"action": self.action_id, "kind": self.kind, "label": self.label, "ok": self.ok,
                "detail": self.detail}


class ActionError(ApplicationError):
    code = "automation_action_failed"


def _render(text: str, subject: Subject) -> str:
    contact = (subject.conversation.contact if subject.conversation is not None
               else subject.lead.contact if subject.lead is not None else None)
    name = first_name(contact) if contact is not None else ""
    return text.replace("{nombre}", name).replace(" ,", ",").replace(" !", "!").strip()


def _conversation(subject: Subject):  # type: ignore[no-untyped-def]
    if subject.conversation is None:
        raise ActionError(_("This event has no conversation to act on."))
    return subject.conversation


def _assign(action: AutomationAction, subject: Subject, rule: AutomationRule, now: datetime) -> str:
    conversation = _conversation(subject)
    agent = action.agent
    if agent is None or not agent.is_active or agent.role not in (Role.AGENT, Role.SUPERVISOR):
        raise ActionError(_("%(user)s cannot receive conversations.") % {"user": agent or "-"})
    if conversation_assign_system is None:
        raise ActionError(_("Assignment by the system is not available (routing is not installed)."))
    conversation_assign_system(conversation_id=conversation.pk, assignee_id=agent.pk,
                               reason=_("Automation rule “%(rule)s”") % {"rule": rule.name})
    return _("Assigned to %(user)s.") % {"user": agent}


def _route(action: AutomationAction, subject: Subject, rule: AutomationRule, now: datetime) -> str:
    conversation = _conversation(subject)
    if conversation_route is None:
        raise ActionError(_("Routing not available: the routing app is not installed."))
    assignee = conversation_route(conversation_id=conversation.pk, reason="automation",
                                  priority=action.priority or None)
    if assignee is None:
        return _("Nobody could take it: it waits in the queue.")
    return _("Assigned to %(user)s.") % {"user": assignee}


def _add_tag(action: AutomationAction, subject: Subject, rule: AutomationRule, now: datetime) -> str:
    tag = conversation_add_tag(actor=None, conversation=_conversation(subject), name=action.tag_name)
    subject._tag_ids = None  # a later rule's tag condition sees it
    return _("Tag “%(tag)s” added.") % {"tag": tag.name}


def _set_priority(action: AutomationAction, subject: Subject, rule: AutomationRule, now: datetime) -> str:
    conversation = conversation_set_priority(actor=None, conversation=_conversation(subject),
                                             priority=action.priority)
    subject.conversation.priority = conversation.priority  # type: ignore[union-attr]
    return _("Priority set to %(priority)s.") % {"priority": conversation.get_priority_display()}


def _send(action: AutomationAction, subject: Subject, rule: AutomationRule, now: datetime) -> str:
    conversation = _conversation(subject)
    try:
        if action.kind == ActionKind.SEND_TEMPLATE:
            message = message_send(conversation=conversation, template=action.template, sender=Message.Sender.SYSTEM,
                                   variables=[_render(v, subject) for v in action.variables])
        else:
            message = message_send(conversation=conversation, text=_render(action.text, subject),
                                   sender=Message.Sender.SYSTEM)
    except WindowClosedError as exc:
        raise ActionError(_("Not sent: %(reason)s") % {"reason": exc.message}, code=exc.code) from exc
    return _("Message queued: %(text)s") % {"text": message.text[:80]}


def _people_of(subject: Subject) -> User | None:
    """Who holds what the event is about: the conversation's assignee, else the lead's, else the deal's agent."""
    if subject.conversation is not None and subject.conversation.assignee is not None:
        return subject.conversation.assignee
    if subject.lead is not None and subject.lead.assignee_id:
        return subject.lead.assignee
    deal = subject.sale or subject.quote
    return deal.agent if deal is not None else None


def _ticket(action: AutomationAction, subject: Subject, rule: AutomationRule, now: datetime) -> str:
    deal = subject.sale or subject.quote
    contact = (subject.conversation.contact if subject.conversation is not None
               else subject.lead.contact if subject.lead is not None else deal.contact if deal else None)
    description = "\n".join(filter(None, [
        _("Opened by the automation rule “%(rule)s”.") % {"rule": rule.name},
        _("The customer wrote: %(text)s") % {"text": subject.text} if subject.text else "",
    ]))
    source = getattr(Ticket.Source, "AUTOMATION", Ticket.Source.ADMIN)
    ticket = ticket_create(
        actor=None, subject=_render(action.text, subject), description=description,
        priority=action.ticket_priority or None, category=action.ticket_category, source=source,
        conversation=subject.conversation, contact=contact, lead=subject.lead, sale=subject.sale,
    )
    return _("Ticket %(number)s opened.") % {"number": ticket.number}


def _followup(action: AutomationAction, subject: Subject, rule: AutomationRule, now: datetime) -> str:
    conversation = _conversation(subject)
    owner = _people_of(subject)
    if owner is None:
        raise ActionError(_("Nobody holds this conversation to own the follow-up: assign it first."))
    due_at = now + timedelta(minutes=action.delay_minutes)
    followup = followup_schedule(actor=owner, conversation=conversation, due_at=due_at,
                                 text=_render(action.text, subject), template=action.template,
                                 variables=[_render(v, subject) for v in action.variables])
    return _("Follow-up scheduled for %(when)s.") % {"when": followup.due_at.isoformat(timespec="minutes")}


def team_supervisors(team_id: int | None) -> list[User]:
    if team_id is None:
        return []
    return list(User.objects.filter(Q(supervised_teams=team_id) | Q(team_id=team_id, role=Role.SUPERVISOR),
                                    is_active=True).distinct().order_by("pk"))


def _subject_url(subject: Subject) -> str:
    if subject.conversation is not None:
        return reverse("panel:conversation", args=[subject.conversation.pk])
    if subject.sale is not None:
        return reverse("admin:sales_sale_change", args=[subject.sale.pk])
    if subject.quote is not None:
        return reverse("admin:sales_quote_change", args=[subject.quote.pk])
    if subject.lead is not None:
        return reverse("admin:leads_lead_change", args=[subject.lead.pk])
    return ""


def _notify(action: AutomationAction, subject: Subject, rule: AutomationRule, now: datetime) -> str:
    people: dict[int, User] = {user.pk: user for user in action.notify_users.all()}
    if action.notify_assignee and (holder := _people_of(subject)) is not None:
        people.setdefault(holder.pk, holder)
    if action.notify_supervisors:
        for user in team_supervisors(subject.team_id if subject.team_id is not None else rule.team_id):
            people.setdefault(user.pk, user)
    if not people:
        raise ActionError(_("Nobody to notify: choose people, or the conversation has no assignee or team."))
    contact = (subject.conversation.contact if subject.conversation is not None
               else subject.lead.contact if subject.lead is not None else None)
    title = _render(action.text, subject) if action.text.strip() else rule.name
    body = " · ".join(filter(None, [contact.name if contact is not None else "", subject.text[:200]]))
    sent = [user for user in people.values()
            if notification_create(user=user, kind=NOTICE_KIND, title=title, body=body,
                                   url=_subject_url(subject)) is not None]
    return _("Notified: %(people)s.") % {"people": ", ".join(str(u) for u in sent) or "-"}


RUNNERS = {
    ActionKind.ASSIGN_AGENT: _assign,
    ActionKind.ROUTE: _route,
    ActionKind.ADD_TAG: _add_tag,
    ActionKind.SET_PRIORITY: _set_priority,
    ActionKind.SEND_MESSAGE: _send,
    ActionKind.SEND_TEMPLATE: _send,
    ActionKind.CREATE_TICKET: _ticket,
    ActionKind.CREATE_FOLLOWUP: _followup,
    ActionKind.NOTIFY: _notify,
}


def action_run(action: AutomationAction, *, subject: Subject, rule: AutomationRule, now: datetime) -> ActionResult:
    """Run one action in a savepoint; its result, ok or failed with the reason (never an exception)."""
    label = str(action.get_kind_display())
    try:
        with transaction.atomic():
            detail = RUNNERS[ActionKind(action.kind)](action, subject, rule, now)
    except ApplicationError as exc:
        return ActionResult(action.pk, action.kind, label, ok=False, detail=str(exc.message))
    except ValidationError as exc:
        return ActionResult(action.pk, action.kind, label, ok=False, detail=" ".join(exc.messages))
    except Exception as exc:  # a rule must never block the message: anything else is logged and recorded too
        logger.exception("automation action %s (%s) failed", action.pk, action.kind)
        return ActionResult(action.pk, action.kind, label, ok=False, detail=f"{type(exc).__name__}: {exc}")
    return ActionResult(action.pk, action.kind, label, ok=True, detail=detail)
