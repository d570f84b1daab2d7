"""Writes to contacts and leads. Every change to what scoring reads rescores the lead."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_assignment, audit_assignments_bulk
from accounts.models import User
from accounts.selectors import assignable_users_list
from core import events
from core.errors import ApplicationError, PermissionDeniedError
from core.phones import normalize_phone
from core.prepared import PreparedQuery, insert_rows, save_fields
from leads.models import CLOSED_STATUSES, Classification, Contact, Lead, LeadStatus
from leads.scoring import ScoringTable, lead_facts, load_scoring_table, score_facts, scoring_table
from operators.models import Category

LEAD_EDITABLE_FIELDS = {
    "source",
    "operator",
    "product",
    "product_interest",
    "service_type",
    "budget",
    "currency",
    "zone",
    "address",
    "notes",
    "intent",
    "next_action",
    "next_action_at",
    "ai_analysis",
    "conversation_count",
}
CONTACT_EDITABLE_FIELDS = {
    "name",
    "phone",
    "extra_phones",
    "whatsapp_id",
    "instagram_id",
    "instagram_username",
    "email",
    "document_number",
    "city",
    "zone",
    "address",
    "customer_type",
    "tags",
    "marketing_consent",
}


ADVANCES_FROM = {
    LeadStatus.QUOTED: (LeadStatus.NEW, LeadStatus.CONTACTED, LeadStatus.QUALIFIED),
}


def lead_assign_if_unassigned(*, actor: User | None, lead_id: int, assignee: User,
                              conversation_id: int | None = None) -> bool:
    """Give an unassigned lead to whoever took its conversation (an assigned lead keeps its owner). ``actor``
    None: the system did it (routing)."""
    if not Lead.objects.filter(pk=lead_id, assignee__isnull=True).update(assignee=assignee, updated_at=timezone.now()):
        return False
    audit_assignment(actor=actor, obj=Lead(pk=lead_id), previous_id=None, new_id=assignee.pk,
                     data={"conversation_id": conversation_id} if conversation_id else None, by_system=actor is None)
    return True


def lead_advance(*, lead_id: int | None, status: str) -> bool:
    """Move a lead forward when a quote or a sale happens: to quoted (from new, contacted or qualified only),
    or to won (from anything but won). Never backwards. A conditional update: safe to call twice."""
    if not lead_id:
        return False
    now = timezone.now()
    if status == LeadStatus.QUOTED:
        return bool(Lead.objects.filter(pk=lead_id, status__in=ADVANCES_FROM[LeadStatus.QUOTED]).update(
            status=LeadStatus.QUOTED, updated_at=now))
    if status == LeadStatus.WON:
        return bool(Lead.objects.filter(pk=lead_id).exclude(status=LeadStatus.WON).update(
            status=LeadStatus.WON, closed_at=now, lost_reason="", updated_at=now))
    raise ValueError(f"A lead advances to quoted or won, not {status!r}.")


class LeadTransitionError(ApplicationError):
    code = "invalid_status_transition"


def _can_manage(user: User) -> bool:
    return user.is_supervisor or user.is_admin_role


# ---------------------------------------------------------------------------------------------
# Contacts
# ---------------------------------------------------------------------------------------------
def _normalise_contact_data(data: dict[str, Any]) -> dict[str, Any]:
    clean = {k: v for k, v in data.items() if k in CONTACT_EDITABLE_FIELDS}
    if clean.get("phone"):
        clean["phone"] = normalize_phone(clean["phone"])
    if "extra_phones" in clean:
        clean["extra_phones"] = [normalize_phone(p) for p in clean["extra_phones"] or []]
    if "tags" in clean:
        clean["tags"] = sorted({str(t).strip().lower() for t in clean["tags"] or [] if str(t).strip()})
    if "email" in clean and clean["email"]:
        clean["email"] = clean["email"].strip().lower()
    return clean


def _apply_contact(contact: Contact, data: dict[str, Any]) -> Contact:
    previous_consent = contact.marketing_consent
    for field, value in _normalise_contact_data(data).items():
        setattr(contact, field, value)
    if contact.marketing_consent and not previous_consent:
        contact.consent_at = timezone.now()
    elif not contact.marketing_consent:
        contact.consent_at = None
    contact.full_clean()
    contact.save()
    return contact


@transaction.atomic
def contact_create(*, actor: User | None = None, **data: Any) -> Contact:
    return _apply_contact(Contact(), data)


@transaction.atomic
def contact_update(*, actor: User | None = None, contact: Contact, data: dict[str, Any]) -> Contact:
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    return _apply_contact(contact, data)


# ---------------------------------------------------------------------------------------------
# Leads
# ---------------------------------------------------------------------------------------------
def _announce_if_hot(lead: Lead, *, was: str | None) -> None:
    """``lead.hot`` once the saved ``lead`` reached HOT from another class (``was``; None for a new lead)."""
    if lead.classification == Classification.HOT and was != Classification.HOT:
        events.emit("lead.hot", lead_id=lead.pk)


def lead_apply_score(*, lead: Lead, table: ScoringTable | None = None) -> bool:
    """Set score, class and breakdown on ``lead`` (not saved). True when something changed."""
    result = score_facts(lead_facts(lead), table or scoring_table())
    changed = (lead.score, lead.classification, lead.score_breakdown) != (
        result.score,
        result.classification,
        result.breakdown,
    )
    lead.score, lead.classification, lead.score_breakdown = result.score, result.classification, result.breakdown
    return changed


@transaction.atomic
def lead_create(*, actor: User | None, contact: Contact, assignee: User | None = None, **data: Any) -> Lead:
    unknown = set(data) - LEAD_EDITABLE_FIELDS
    if unknown:
        raise ApplicationError(_("Unknown lead fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    if assignee is None and actor is not None and actor.is_agent:
        assignee = actor
    if assignee is not None and actor is not None and assignee != actor:
        _check_assignable(actor=actor, assignee=assignee)
    lead = Lead(contact=contact, assignee=assignee, **data)
    lead_apply_score(lead=lead)
    lead.full_clean()
    lead.save()
    _announce_if_hot(lead, was=None)
    if actor is not None and assignee is not None and assignee != actor:
        audit_assignment(actor=actor, obj=lead, previous_id=None, new_id=assignee.pk)
    return lead


@transaction.atomic
def lead_update(*, actor: User, lead: Lead, data: dict[str, Any]) -> Lead:
    unknown = set(data) - LEAD_EDITABLE_FIELDS
    if unknown:
        raise ApplicationError(_("Unknown lead fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    lead = Lead.objects.select_for_update().get(pk=lead.pk)
    was = lead.classification
    for field, value in data.items():
        setattr(lead, field, value)
    lead_apply_score(lead=lead)
    lead.full_clean()
    lead.save()
    _announce_if_hot(lead, was=was)
    return lead


def _check_assignable(*, actor: User, assignee: User) -> None:
    if not _can_manage(actor) and assignee != actor:
        raise PermissionDeniedError(_("Only supervisors can assign leads to other people."))
    if not assignable_users_list(user=actor).filter(pk=assignee.pk).exists():
        raise ApplicationError(
            _("%(user)s cannot receive leads from you.") % {"user": assignee}, code="invalid_assignee"
        )


@transaction.atomic
def lead_assign(*, actor: User, lead: Lead, assignee: User | None) -> Lead:
    if not _can_manage(actor):
        raise PermissionDeniedError(_("Only supervisors can assign leads."))
    if assignee is not None:
        _check_assignable(actor=actor, assignee=assignee)
    lead = Lead.objects.select_for_update().get(pk=lead.pk)
    previous = lead.assignee_id
    lead.assignee = assignee
    lead.save(update_fields=["assignee", "updated_at"])
    audit_assignment(actor=actor, obj=lead, previous_id=previous, new_id=lead.assignee_id)
    return lead


def leads_assign(*, actor: User, leads: QuerySet[Lead], assignee: User | None) -> int:
    """Assign many leads at once (admin bulk action)."""
    if not _can_manage(actor):
        raise PermissionDeniedError(_("Only supervisors can assign leads."))
    if assignee is not None:
        _check_assignable(actor=actor, assignee=assignee)
    with transaction.atomic():
        rows = list(leads.order_by().values_list("pk", "assignee_id"))  # who had each lead, for the audit log
        done = leads.update(assignee=assignee, updated_at=timezone.now())
        audit_assignments_bulk(actor=actor, model=Lead, rows=rows, new_id=assignee.pk if assignee else None)
    return done


def _check_transition(*, actor: User, lead: Lead, status: str, lost_reason: str) -> None:
    if status not in LeadStatus.values:
        raise LeadTransitionError(_("Unknown status “%(status)s”.") % {"status": status})
    if lead.status in CLOSED_STATUSES and status not in CLOSED_STATUSES and not _can_manage(actor):
        raise LeadTransitionError(_("Only a supervisor can reopen a closed lead."))
    if status == LeadStatus.LOST and not (lost_reason or lead.lost_reason).strip():
        raise LeadTransitionError(_("Say why the lead was lost."))


@transaction.atomic
def lead_set_status(*, actor: User, lead: Lead, status: str, lost_reason: str = "") -> Lead:
    """Move a lead along new → contacted → qualified → quoted → won/lost."""
    lead = Lead.objects.select_for_update().get(pk=lead.pk)
    _check_transition(actor=actor, lead=lead, status=status, lost_reason=lost_reason)
    lead.status = status
    if lost_reason:
        lead.lost_reason = lost_reason
    lead.closed_at = timezone.now() if status in CLOSED_STATUSES else None
    lead.save(update_fields=["status", "lost_reason", "closed_at", "updated_at"])
    return lead


@transaction.atomic
def leads_set_status(*, actor: User, leads: QuerySet[Lead], status: str, lost_reason: str = "") -> int:
    """Change the status of many leads, all or none; each transition is checked like a single one."""
    pks = list(leads.order_by().values_list("pk", flat=True))
    for lead in Lead.objects.filter(pk__in=pks).order_by("pk"):
        lead_set_status(actor=actor, lead=lead, status=status, lost_reason=lost_reason)
    return len(pks)


@transaction.atomic
def lead_change(*, actor: User, lead: Lead, data: dict[str, Any]) -> Lead:
    """One edit from the API: fields, then assignee and status with their own rules, all or nothing."""
    data = dict(data)
    has_assignee = "assignee" in data
    assignee = data.pop("assignee", None)
    status = data.pop("status", None)
    lost_reason = data.pop("lost_reason", "")
    if data:
        lead = lead_update(actor=actor, lead=lead, data=data)
    if has_assignee and assignee != lead.assignee:
        lead = lead_assign(actor=actor, lead=lead, assignee=assignee)
    if (status and status != lead.status) or (lost_reason and lost_reason != lead.lost_reason):
        lead = lead_set_status(actor=actor, lead=lead, status=status or lead.status, lost_reason=lost_reason)
    return lead


def leads_rescore(
    *,
    queryset: QuerySet[Lead] | None = None,
    batch_size: int = 1000,
    on_batch: Callable[[int], None] | None = None,
) -> int:
    """Recompute score and class of every lead in ``queryset`` in batches; returns how many changed.

    ``on_batch(n)`` is told after each batch how many leads it went through (for progress bars).
    """
    table = load_scoring_table()
    qs = (queryset if queryset is not None else Lead.objects.all()).select_related(None).order_by("pk")
    fields = ["score", "classification", "score_breakdown"]
    changed = 0
    last_pk = 0
    while True:
        batch = list(
            qs.filter(pk__gt=last_pk).only(
                "pk",
                "product_id",
                "product_interest",
                "budget",
                "zone",
                "address",
                "notes",
                "ai_analysis",
                "conversation_count",
                *fields,
            )[:batch_size]
        )
        if not batch:
            break
        dirty = [lead for lead in batch if lead_apply_score(lead=lead, table=table)]
        if dirty:
            with transaction.atomic():
                Lead.objects.bulk_update(dirty, fields)
        changed += len(dirty)
        last_pk = batch[-1].pk
        if on_batch:
            on_batch(len(batch))
    return changed


# ---------------------------------------------------------------------------------------------
# Channel identities (called by the inbound pipeline)
# ---------------------------------------------------------------------------------------------
LAST_SEEN_RESOLUTION = timedelta(minutes=1)


def _contact_by(id_field: str) -> PreparedQuery[Contact]:
    return PreparedQuery(lambda channel_id: Contact.objects.select_for_update().filter(**{id_field: channel_id})[:1])


# Found and locked in one read, for every customer's message: prepared (core.prepared). A unique key: no ORDER BY.
_CONTACT_BY_CHANNEL_ID = {"whatsapp_id": _contact_by("whatsapp_id"), "instagram_id": _contact_by("instagram_id")}
_OPEN_LEAD: PreparedQuery[Lead] = PreparedQuery(
    lambda contact_id: Lead.objects.select_for_update().filter(contact_id=contact_id)
    .exclude(status__in=CLOSED_STATUSES).order_by("-created_at")[:1])


def contact_upsert_from_channel(
    *, channel: str, channel_id: str, phone: str = "", name: str = "", username: str = ""
) -> Contact:
    """The one contact behind a channel identity, created if new, and locked for this transaction.

    WhatsApp: keyed on the provider's user id (wa_id or business-scoped id); a contact that already
    has the phone gets the id. Instagram: keyed on the IGSID. Concurrent first messages of the same
    person end on the same row (the unique constraints decide, the loser reads the winner's row).
    """
    from django.db import IntegrityError

    id_field = "instagram_id" if channel == "instagram" else "whatsapp_id"
    contact = _CONTACT_BY_CHANNEL_ID[id_field].first(channel_id=channel_id)
    if contact is None and phone:
        contact = Contact.objects.select_for_update().filter(phone=phone).first()
    if contact is None:
        try:
            with transaction.atomic():
                contact = Contact.objects.create(
                    **{id_field: channel_id}, phone=phone, name=name,
                    instagram_username=username if channel == "instagram" else "",
                )
        except IntegrityError:
            # Someone else created it meanwhile: the unique index made us wait for their commit.
            contact = (_CONTACT_BY_CHANNEL_ID[id_field].first(channel_id=channel_id)
                       or Contact.objects.select_for_update().get(phone=phone))
    changed = []
    for field, value in ((id_field, channel_id), ("phone", phone), ("name", name)):
        if value and not getattr(contact, field):
            setattr(contact, field, value)
            changed.append(field)
    if channel == "instagram" and username and contact.instagram_username != username:
        contact.instagram_username = username
        changed.append("instagram_username")
    now = timezone.now()
    if changed or contact.last_seen_at is None or now - contact.last_seen_at >= LAST_SEEN_RESOLUTION:
        # A customer writing line after line is "seen" once a minute: one indexed write less per message.
        contact.last_seen_at = now
        save_fields(contact, [*changed, "last_seen_at", "updated_at"])
    return contact


def lead_touch_for_conversation(*, contact: Contact, new_conversation: bool) -> Lead | None:
    """The contact's open lead, if any; a new conversation adds to its score.

    Leads are created by the AI step once a message gives something to act on, not by every hello.
    """
    lead = _OPEN_LEAD.first(contact_id=contact.pk)
    if lead is None:
        return None
    if new_conversation:
        lead.conversation_count += 1
        lead_apply_score(lead=lead)
        lead.save()
    return lead


# ---------------------------------------------------------------------------------------------
# What the AI read in a customer's message
# ---------------------------------------------------------------------------------------------
def _next_action(classification: str) -> tuple[str, timedelta]:
    """HOT: hand to a seller now; WARM: follow up within 24 h; COLD: nurture."""
    if classification == "HOT":
        return _("Hand to a seller now"), timedelta(0)
    if classification == "WARM":
        return _("Follow up within 24 hours"), timedelta(hours=24)
    return _("Nurture with offers"), timedelta(days=7)


def is_real_name(name: str) -> bool:
    """A channel profile name that looks like a person's name (not "📱", "User", "Tienda 24")."""
    words = [w for w in name.split() if w]
    return bool(words) and all(w.replace("-", "").replace("'", "").isalpha() for w in words) and len(name) >= 3


_LEAD_RELATIONS = [f.name for f in Lead._meta.concrete_fields if f.is_relation]
_LEAD_FIELDS = [f.name for f in Lead._meta.concrete_fields if not f.primary_key]  # what save() writes


@transaction.atomic(savepoint=False)
def lead_apply_analysis(
    *,
    contact: Contact,
    lead: Lead | None,
    analysis: Any,
    text: str,
    message_id: int,
    source: str,
    create: bool,
    product: Any = None,
    operator: Any = None,
    locked: bool = False,
) -> Lead | None:
    """Apply the entities of one message to the contact and the lead, rescore, and record why.

    ``analysis`` is an ``ai.types.Analysis``; ``product`` / ``operator`` are the catalog rows its
    entities point at (resolved by the caller). A lead is created only when ``create`` is true.
    The reasons (which message moved the score, by how much, through which factors) are kept in
    ``ai_analysis["reasons"]`` for the agent. ``locked``: the caller read ``contact`` and ``lead``
    with ``select_for_update`` in this transaction (else they are read again, locked).
    """
    e = analysis.entities
    if not locked:
        contact = Contact.objects.select_for_update().get(pk=contact.pk)
    contact_changes = []
    if e.name and not is_real_name(contact.name):
        contact.name = e.name[:150]
        contact_changes.append("name")
    if e.email and not contact.email:
        contact.email = e.email.lower()
        contact_changes.append("email")
    if e.zone and not contact.zone:
        contact.zone = e.zone[:80]
        contact_changes.append("zone")
    if e.address and not contact.address:
        contact.address = e.address[:255]
        contact_changes.append("address")
    if contact_changes:
        contact.save(update_fields=[*contact_changes, "updated_at"])
    if lead is None:
        if not create:
            return None
        lead = Lead(contact=contact, source=source, zone=contact.zone, address=contact.address,
                    conversation_count=1)
    elif not locked:
        lead = Lead.objects.select_for_update().get(pk=lead.pk)
    before = (lead.score, dict(lead.score_breakdown or {}))
    was = lead.classification if lead.pk else None
    if product is not None:
        lead.product = product
        lead.service_type = product.category
        lead.operator = product.operator or lead.operator
    if operator is not None and lead.operator_id is None:
        lead.operator = operator
    if e.service_type and not lead.service_type:
        lead.service_type = e.service_type
    if e.product_terms and not lead.product_interest:
        lead.product_interest = e.product_terms[:200]
    elif e.service_type and not lead.product_interest and not lead.product_id:
        lead.product_interest = str(Category(e.service_type).label)
    if e.budget is not None and e.budget.amount > 0:
        lead.budget = e.budget.amount
        if e.budget.currency:
            lead.currency = e.budget.currency
    if e.zone:
        lead.zone = e.zone[:80]
    if e.address:
        lead.address = e.address[:255]
    lead.intent = analysis.intent.value
    state = dict(lead.ai_analysis or {})
    state["customer_text"] = (f"{state.get('customer_text', '')} {text}").strip()[-1000:]
    state["last"] = {
        "message": message_id,
        "intent": analysis.intent.value,
        "confidence": round(analysis.confidence, 3),
        "sentiment": analysis.sentiment.value,
        "sentiment_score": round(analysis.sentiment_score, 3),
        "provider": analysis.provider,
        "fallback": analysis.fallback,
    }
    lead.ai_analysis = state
    lead_apply_score(lead=lead)
    after = (lead.score, dict(lead.score_breakdown or {}))
    if after != before:
        added = {k: v for k, v in after[1].items() if before[1].get(k) != v}
        reasons = list(state.get("reasons", []))[-19:]
        reasons.append({"message": message_id, "delta": after[0] - before[0], "factors": added,
                        "at": timezone.now().isoformat()})
        state["reasons"] = reasons
    if not lead.is_closed:
        action, due = _next_action(lead.classification)
        if lead.next_action != action or lead.next_action_at is None:
            lead.next_action = action
            lead.next_action_at = timezone.now() + due if due is not None else None
    lead.ai_analysis = state
    # Field checks only: foreign keys, uniqueness and the score's range are the database's to enforce
    # (a query each otherwise, on every message).
    lead.full_clean(exclude=_LEAD_RELATIONS, validate_unique=False, validate_constraints=False)
    if lead.pk is None:
        insert_rows(lead)
    else:
        save_fields(lead, _LEAD_FIELDS)
    _announce_if_hot(lead, was=was)
    return lead
