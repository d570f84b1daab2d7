"""What agents and supervisors do to a conversation: assign, transfer, status, notes, tags, read."""

from __future__ import annotations

import re
from datetime import datetime

from django.db import transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_assignment
from accounts.models import AuditKind, Role, Team, User
from accounts.selectors import assignable_users_list
from conversations.events import former_assignee_groups, publish_conversation_event
from conversations.models import Conversation, Message, Note, Tag
from conversations.selectors import transfer_candidates_list
from core import events
from core.errors import ApplicationError, PermissionDeniedError
from core.money import format_money
from core.realtime import publish_on_commit, user_group
from leads.services import lead_assign_if_unassigned
from notifications.services import notification_create
from operators.models import Product


def _locked(conversation: Conversation) -> Conversation:
    return Conversation.objects.select_for_update().get(pk=conversation.pk)


def _notify_assigned(*, actor: User, conversation: Conversation, assignee: User | None) -> None:
    """The bell of the new assignee, unless they took it themselves."""
    if assignee is None or assignee.pk == actor.pk:
        return
    notification_create(
        user=assignee, kind="conversation.assigned",
        title=_("%(actor)s assigned you the conversation with %(contact)s")
        % {"actor": actor, "contact": conversation.contact.name},
        url=reverse("panel:conversation", args=[conversation.pk]),
    )


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
    if previous != conversation.assignee_id:
        conversation.assigned_at = timezone.now() if assignee is not None else None
    conversation.save(update_fields=["assignee", "assigned_at", "updated_at"])
    audit_assignment(actor=actor, obj=conversation, previous_id=previous, new_id=conversation.assignee_id)
    # The former assignee, or the agents watching the unassigned queue, hear it too: their row goes.
    publish_conversation_event(conversation, "conversation.assigned", former_groups=former_assignee_groups(previous))
    if previous != conversation.assignee_id:
        _notify_assigned(actor=actor, conversation=conversation, assignee=assignee)
    if conversation.lead_id and assignee is not None:
        lead_assign_if_unassigned(actor=actor, lead_id=conversation.lead_id, assignee=assignee,
                                  conversation_id=conversation.pk)
    return conversation


PRIORITY_RANK = {p: i for i, p in enumerate(Conversation.Priority.values)}


@transaction.atomic
def conversation_assign_system(*, conversation_id: int, assignee_id: int | None, reason: str,
                               priority: str | None = None) -> Conversation:
    """An assignment with no person acting (routing, an automation rule): ``assignee_id`` gets the conversation
    (None: back to the queue), its priority goes up to ``priority`` when given (never down), and the new
    assignee's bell says why (``reason``, shown as written)."""
    conversation = (Conversation.objects.select_for_update(of=("self",)).select_related("contact")
                    .get(pk=conversation_id))
    assignee = None
    if assignee_id is not None:
        assignee = User.objects.filter(pk=assignee_id).first()
        if assignee is None or not assignee.is_active or assignee.role not in (Role.AGENT, Role.SUPERVISOR):
            raise ApplicationError(_("%(user)s cannot receive conversations.") % {"user": assignee or assignee_id},
                                   code="invalid_assignee")
    if priority is not None and priority not in Conversation.Priority.values:
        raise ApplicationError(_("Unknown priority “%(priority)s”.") % {"priority": priority}, code="invalid_priority")
    previous = conversation.assignee_id
    changed = []
    if previous != assignee_id:
        conversation.assignee = assignee
        conversation.assigned_at = timezone.now() if assignee is not None else None
        changed += ["assignee", "assigned_at"]
    if priority is not None and PRIORITY_RANK[priority] > PRIORITY_RANK[conversation.priority]:
        conversation.priority = priority
        changed.append("priority")
    if not changed:
        return conversation
    conversation.save(update_fields=[*changed, "updated_at"])
    if previous == assignee_id:
        publish_conversation_event(conversation)
        return conversation
    audit_assignment(actor=None, obj=conversation, previous_id=previous, new_id=assignee_id,
                     data={"by": "system", "reason": reason[:200]}, by_system=True)
    publish_conversation_event(conversation, "conversation.assigned", former_groups=former_assignee_groups(previous))
    if assignee is not None:
        notification_create(
            user=assignee, kind="routing.assigned",
            title=_("You were assigned the conversation with %(contact)s") % {
                "contact": conversation.contact.name or conversation.contact.phone or f"#{conversation.pk}"},
            body=reason, url=reverse("panel:conversation", args=[conversation.pk]),
        )
        if conversation.lead_id:
            lead_assign_if_unassigned(actor=None, lead_id=conversation.lead_id, assignee=assignee,
                                      conversation_id=conversation.pk)
    return conversation


@transaction.atomic
def conversation_transfer(*, actor: User, conversation: Conversation, to: User, note: str = "") -> Conversation:
    """Hand a conversation to a colleague: the current assignee (or a supervisor) may do it, to someone
    they may assign work to or a member of their own team (the same people the panel offers)."""
    if not transfer_candidates_list(user=actor, conversation=conversation).filter(pk=to.pk).exists():
        raise ApplicationError(_("%(user)s cannot receive conversations from you.") % {"user": to},
                               code="invalid_assignee")
    return _transfer(actor=actor, conversation=conversation, to=to, note=note)


@transaction.atomic
def _transfer(*, actor: User, conversation: Conversation, to: User, note: str) -> Conversation:
    conversation = _locked(conversation)
    if actor.is_agent and conversation.assignee_id != actor.pk:
        raise PermissionDeniedError(_("You can only transfer your own conversations."))
    if not to.is_active or to.role not in ("agent", "supervisor"):
        raise ApplicationError(_("%(user)s cannot receive conversations.") % {"user": to}, code="invalid_assignee")
    previous = conversation.assignee_id
    conversation.assignee = to
    if previous != to.pk:
        conversation.assigned_at = timezone.now()
    conversation.save(update_fields=["assignee", "assigned_at", "updated_at"])
    audit_assignment(actor=actor, obj=conversation, previous_id=previous, new_id=to.pk, action=AuditKind.TRANSFER)
    if note.strip():
        Note.objects.create(conversation=conversation, author=actor,
                            text=_("Transferred to %(user)s: %(note)s") % {"user": to, "note": note.strip()})
    publish_conversation_event(conversation, "conversation.assigned",
                               former_groups=[*former_assignee_groups(previous), user_group(actor.pk)])
    if previous != to.pk:
        _notify_assigned(actor=actor, conversation=conversation, assignee=to)
    return conversation


STATUS_FIELDS = ["status", "snoozed_until", "needs_human", "waiting_since", "resolved_at", "updated_at"]


def _mark_resolved(conversation: Conversation, *, newly: bool) -> None:
    """Nothing left to answer: no hand-over pending, the first-response clock stops; ``newly``: resolved now."""
    conversation.needs_human = False
    conversation.waiting_since = None
    if newly:
        conversation.resolved_at = timezone.now()


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
    was = conversation.status
    conversation.status = status
    if status == Conversation.Status.RESOLVED:
        _mark_resolved(conversation, newly=was != status)
    conversation.save(update_fields=STATUS_FIELDS)
    publish_conversation_event(conversation)
    if status == Conversation.Status.RESOLVED and was != status:
        events.emit("conversation.resolved", conversation_id=conversation.pk, actor_id=actor.pk)
    return conversation


@transaction.atomic
def conversation_close_system(*, conversation_id: int, note: str) -> Conversation:
    """Resolve a conversation that holds nothing to work (a customer's rating of the one before it): resolved
    quietly, with ``note`` for whoever opens it, and no ``conversation.resolved`` (no survey about a survey)."""
    conversation = Conversation.objects.select_for_update().get(pk=conversation_id)
    if conversation.status == Conversation.Status.RESOLVED:
        return conversation
    conversation.status = Conversation.Status.RESOLVED
    conversation.snoozed_until = None
    _mark_resolved(conversation, newly=True)
    conversation.save(update_fields=STATUS_FIELDS)
    Note.objects.create(conversation_id=conversation.pk, author=None, text=note)
    publish_conversation_event(conversation)
    return conversation


MENTION_RE = re.compile(r"(?<![\w@])@([\w.+-]+)")
EXCERPT_LENGTH = 140


def note_mentioned_usernames(text: str) -> list[str]:
    """The ``@username`` words of a note, in order, without trailing punctuation."""
    return list(dict.fromkeys(m.rstrip(".-") for m in MENTION_RE.findall(text) if m.rstrip(".-")))


@transaction.atomic
def conversation_add_note(*, actor: User, conversation: Conversation, text: str) -> Note:
    """Store an internal note; each active ``@username`` in it hears ``note.mentioned`` on ``user.<id>``.

    An ``@word`` that is nobody's username stays plain text.
    """
    if not text.strip():
        raise ApplicationError(_("Write the note."), code="empty_note")
    note = Note.objects.create(conversation=conversation, author=actor, text=text.strip())
    names = note_mentioned_usernames(note.text)
    if names:
        mentioned = User.objects.filter(username__in=names, is_active=True).exclude(pk=actor.pk)
        excerpt = note.text if len(note.text) <= EXCERPT_LENGTH else note.text[: EXCERPT_LENGTH - 1] + "…"
        for user in mentioned:
            publish_on_commit([user_group(user.pk)], "note.mentioned", {
                "conversation": conversation.pk, "note": note.pk, "author": str(actor),
                "author_id": actor.pk, "excerpt": excerpt,
            })
            notification_create(
                user=user, kind="note.mention",
                title=_("%(author)s mentioned you in a note") % {"author": actor}, body=excerpt,
                url=reverse("panel:conversation", args=[conversation.pk]), dedupe_key=f"note:{note.pk}",
            )
    return note


def conversation_add_system_note(*, conversation_id: int, text: str) -> Note:
    """A note the system leaves for the agent (a receipt or a reminder that could not go out, ...)."""
    return Note.objects.create(conversation_id=conversation_id, author=None, text=text)


def message_mark_handled(*, message: Message, by: str) -> None:
    """A customer's message answered by another step (``by``: "quote_accepted"): the AI step leaves it."""
    message.ai_flags = {**(message.ai_flags or {}), "handled": by}
    message.save(update_fields=["ai_flags", "updated_at"])


@transaction.atomic
def conversation_set_tags(*, actor: User, conversation: Conversation, names: list[str]) -> list[Tag]:
    clean = sorted({n.strip().lower()[:40] for n in names if n and n.strip()})
    tags = [Tag.objects.get_or_create(name=name)[0] for name in clean]
    conversation.tags.set(tags)
    publish_conversation_event(conversation)
    return tags


@transaction.atomic
def conversation_mark_read(*, actor: User, conversation: Conversation) -> Conversation:
    if not conversation.unread_count:
        # Nothing to mark (as just read): no row lock, which is a write the commit waits on the disk for.
        return conversation
    conversation = _locked(conversation)
    if conversation.unread_count:
        conversation.unread_count = 0
        conversation.save(update_fields=["unread_count", "updated_at"])
        publish_conversation_event(conversation)
    return conversation


@transaction.atomic
def conversation_set_priority(*, actor: User, conversation: Conversation, priority: str) -> Conversation:
    conversation = _locked(conversation)
    if priority not in Conversation.Priority.values:
        raise ApplicationError(_("Unknown priority “%(priority)s”.") % {"priority": priority}, code="invalid_priority")
    if conversation.priority != priority:
        conversation.priority = priority
        conversation.save(update_fields=["priority", "updated_at"])
        publish_conversation_event(conversation)
    return conversation


def _tag_name(name: str) -> str:
    clean = " ".join((name or "").split()).lower()[:40]
    if not clean:
        raise ApplicationError(_("Write the tag."), code="empty_tag")
    return clean


@transaction.atomic
def conversation_add_tag(*, actor: User, conversation: Conversation, name: str) -> Tag:
    tag = Tag.objects.get_or_create(name=_tag_name(name))[0]
    conversation.tags.add(tag)
    publish_conversation_event(conversation)
    return tag


@transaction.atomic
def conversation_remove_tag(*, actor: User, conversation: Conversation, name: str) -> None:
    conversation.tags.remove(*Tag.objects.filter(name=_tag_name(name)))
    publish_conversation_event(conversation)


def team_least_busy_member(*, team: Team, exclude: list[int] | None = None) -> User | None:
    """The active agent of ``team`` with the fewest open or pending conversations (then the supervisor)."""
    active = Q(conversations__status__in=[Conversation.Status.OPEN, Conversation.Status.PENDING])
    members = (
        User.objects.filter(Q(team=team) | Q(supervised_teams=team), is_active=True,
                            role__in=[Role.AGENT, Role.SUPERVISOR])
        .exclude(pk__in=exclude or [])
        .annotate(load=Count("conversations", filter=active, distinct=True))
        .distinct()
    )
    ranked = sorted(members, key=lambda u: (u.role != Role.AGENT, u.load, u.pk))
    return ranked[0] if ranked else None


def conversation_transfer_to_team(
    *, actor: User, conversation: Conversation, team: Team, note: str = ""
) -> Conversation:
    """Hand a conversation to a team: its least busy agent receives it."""
    if actor.is_agent and conversation.assignee_id != actor.pk:
        raise PermissionDeniedError(_("You can only transfer your own conversations."))
    exclude = [pk for pk in (actor.pk, conversation.assignee_id) if pk]
    to = team_least_busy_member(team=team, exclude=exclude)
    if to is None:
        raise ApplicationError(_("Nobody on %(team)s can receive conversations now.") % {"team": team},
                               code="empty_team")
    note = f"{team} · {note.strip()}" if note.strip() else str(team)
    return _transfer(actor=actor, conversation=conversation, to=to, note=note)


def product_card_text(product: Product) -> str:
    """A product as a short chat message: name, price, stock and its key attributes."""
    lines = [f"*{product.name}*"]
    price = format_money(product.final_price, product.currency)
    if product.discount_percent:
        price += " " + _("(before %(price)s)") % {"price": format_money(product.price, product.currency)}
    lines.append(_("Price: %(price)s") % {"price": price})
    if product.stock is not None:
        lines.append(_("In stock: %(n)s") % {"n": product.stock} if product.stock else _("Out of stock"))
    attributes: list[str] = []
    if product.operator_id and product.operator:
        attributes.append(product.operator.name)
    if product.brand:
        attributes.append(product.brand)
    if product.speed_mbps:
        attributes.append(f"{product.speed_mbps} Mbps")
    if product.data_gb is not None:
        attributes.append(_("%(gb)s GB of data") % {"gb": f"{product.data_gb.normalize():f}"})
    if product.capacity_gb:
        attributes.append(f"{product.capacity_gb} GB")
    if product.color:
        attributes.append(product.color)
    attributes += [f"{k}: {v}" for k, v in (product.attributes or {}).items() if v not in (None, "")][:4]
    if attributes:
        lines.append(" · ".join(str(a) for a in attributes))
    lines += [f"✓ {b}" for b in product.benefit_list[:3]]
    return "\n".join(lines)


def conversation_send_product(*, actor: User, conversation: Conversation, product: Product) -> Message:
    """Send a catalog product to the customer as a text card (through the normal outbound path)."""
    from conversations.services.outbound import message_send

    if not product.is_active:
        raise ApplicationError(_("That product is no longer sold."), code="inactive_product")
    return message_send(conversation=conversation, text=product_card_text(product), actor=actor)
