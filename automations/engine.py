"""The engine: for one domain event, run the active rules that wait for it, in order, and log each run.

- **What the event is about** (:func:`subject_resolve`): the conversation, message, lead, quote or sale its
  payload names, and from them the others (a lead's latest open conversation, a sale's conversation...).
- **Conditions** (:func:`conditions_match`): every condition a rule fills in must hold (channel, any of its
  tags, the message's intent, the lead's temperature, words in the customer's text, inside/outside the
  team's business hours).
- **Each rule in its own savepoint**, each action in a savepoint inside it: a failing action is recorded in the
  run (``failed``, its error) and the rule's other actions, the other rules and the message itself go on.
- **Loops**: an action may cause another event (a send that fails escalates the conversation). The rules
  behind an event travel with it (a context variable set by ``on_commit`` callbacks around the actions, so
  the events those actions emit, dispatched after the commit, see them): a rule is held back when it is
  already in that chain or the chain is ``MAX_DEPTH`` long. Work that leaves the process (a Celery worker's
  send) loses the chain, so a rule that ran ``BURST_LIMIT`` times for one conversation within
  ``BURST_WINDOW`` is held back too. A held-back rule leaves a ``skipped`` run saying why.
"""

from __future__ import annotations

import contextvars
import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ai.services import local_analysis
from automations.actions import ActionResult, action_run
from automations.models import AutomationAction, AutomationRule, AutomationRun, HoursCondition
from automations.selectors import active_rules
from conversations.models import Conversation, Message
from conversations.selectors import MessageFacts, conversation_team_id, message_facts
from core.events import Event
from core.text import tokens
from leads.models import Lead
from sales.models import Quote, Sale
from sla.services import within_business_hours

logger = logging.getLogger(__name__)

MAX_DEPTH = 3  # rules leading to rules leading to rules: the fourth is held back
BURST_LIMIT = 5  # runs of one rule for one conversation...
BURST_WINDOW = timedelta(minutes=1)  # ...within this long: the next is held back

#: The rules (their ids) whose actions led to the event being handled now, outermost first.
_chain: contextvars.ContextVar[tuple[int, ...]] = contextvars.ContextVar("automation_chain", default=())


def current_chain() -> tuple[int, ...]:
    return _chain.get()


def _chain_set(value: tuple[int, ...]) -> None:
    _chain.set(value)


class _LoadedOnRead:
    """A subject's message, conversation or lead (kept in ``_<name>``): read, it loads what the facts name first."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.attribute = f"_{name}"

    def __get__(self, subject: Subject | None, owner: type | None = None) -> Any:
        if subject is None:
            return self
        subject._load()
        return getattr(subject, self.attribute)

    def __set__(self, subject: Subject, value: Any) -> None:
        setattr(subject, self.attribute, value)


@dataclass
class Subject:
    """What an event is about, loaded once for every rule of the event.

    A customer's message starts from its facts (:func:`~conversations.selectors.message_facts`: one narrow
    read), which are all most conditions need; the message, its conversation and lead are loaded the first
    time a condition or an action asks for one of them.
    """

    event: str
    payload: dict
    quote: Quote | None = None
    sale: Sale | None = None
    team_id: int | None = None
    facts: MessageFacts | None = None
    _message: Message | None = field(default=None, repr=False)
    _conversation: Conversation | None = field(default=None, repr=False)
    _lead: Lead | None = field(default=None, repr=False)
    _intent: str | None = field(default=None, repr=False)
    _text: str | None = field(default=None, repr=False)
    _tag_ids: set[int] | None = field(default=None, repr=False)
    runs_seen: dict[tuple[int, datetime], tuple[int, bool]] = field(default_factory=dict, repr=False)

    def _load(self) -> None:
        """The message of ``facts`` with its conversation and lead (once; a message gone meanwhile: none)."""
        facts, self.facts = self.facts, None
        if facts is None:
            return
        # What the actions read: the team by the assignee, the lead; the contact only for the actions needing it.
        self._message = (Message.objects.select_related("conversation__lead", "conversation__assignee")
                         .filter(pk=facts.message_id).first())
        if self._message is not None:
            self._conversation = self._message.conversation
            self._lead = self._lead or self._conversation.lead

    message = _LoadedOnRead()
    conversation = _LoadedOnRead()
    lead = _LoadedOnRead()

    @property
    def message_id(self) -> int | None:
        """The event's message (not the latest one :attr:`customer_message` may look up), without loading it."""
        if self.facts is not None:
            return self.facts.message_id
        return self._message.pk if self.event == "message.received" and self._message is not None else None

    @property
    def conversation_id(self) -> int | None:
        if self.facts is not None:
            return self.facts.conversation_id
        return self._conversation.pk if self._conversation is not None else None

    @property
    def lead_id(self) -> int | None:
        if self.facts is not None:
            return self.facts.lead_id
        return self._lead.pk if self._lead is not None else None

    @property
    def customer_message(self) -> Message | None:
        """The event's message, else the conversation's latest message from the customer."""
        if self.message is None and self.conversation is not None:
            self.message = (self.conversation.messages.filter(direction=Message.Direction.IN, is_echo=False)
                            .order_by("-created_at", "-pk").first())
        return self.message

    @property
    def text(self) -> str:
        if self._text is None and self.facts is not None:
            self._text = self.payload.get("text") or ""
        if self._text is None:
            message = self.customer_message
            self._text = message.text if message is not None else ""
        return self._text

    @property
    def intent(self) -> str:
        """The intent the AI step stored on the message; while it has not read it yet, the local rules' reading
        of the text (deterministic, offline, free), so a rule does not depend on which ran first."""
        if self._intent is None:
            stored = self.facts.intent if self.facts is not None else getattr(self.customer_message, "intent", "")
            if stored:
                self._intent = stored
            elif self.text.strip():
                self._intent = str(local_analysis(self.text, history=None, catalog=None).intent)
            else:
                self._intent = self.lead.intent if self.lead is not None else ""
        return self._intent

    @property
    def tag_ids(self) -> set[int]:
        if self._tag_ids is None:
            conversation_id = self.conversation_id
            self._tag_ids = (set(Conversation.tags.through.objects.filter(conversation_id=conversation_id)
                                 .values_list("tag_id", flat=True)) if conversation_id is not None else set())
        return self._tag_ids


def _latest_conversation(lead: Lead | None, contact_id: int | None = None) -> Conversation | None:
    if lead is not None:
        conversations = Conversation.objects.filter(lead=lead)
    elif contact_id is not None:
        conversations = Conversation.objects.filter(contact_id=contact_id)
    else:
        return None
    open_first = conversations.exclude(status=Conversation.Status.RESOLVED).order_by("-last_message_at", "-pk")
    return open_first.first() or conversations.order_by("-last_message_at", "-pk").first()


def _conversation(pk: int | None) -> Conversation | None:
    if pk is None:
        return None
    # What the conditions read (the team by the assignee, the lead's temperature); the contact and the number
    # are read only by the actions that need them.
    # get(), not first(): a lookup by key needs no ORDER BY, and compiling one is a fair share of this read's CPU.
    try:
        return Conversation.objects.select_related("lead", "assignee").get(pk=pk)
    except Conversation.DoesNotExist:
        return None


def subject_resolve(event: Event) -> Subject | None:
    """Load what ``event`` is about; None when it is gone (deleted before the event was handled)."""
    payload = dict(event.payload)
    subject = Subject(event=event.name, payload=payload)
    if event.name == "message.received":
        subject.facts = message_facts(payload["message_id"])
        if subject.facts is None:
            return None
        subject.team_id = subject.facts.team_id
        return subject
    if event.name.startswith("conversation."):
        subject.conversation = _conversation(payload["conversation_id"])
        if subject.conversation is None:
            return None
    elif event.name == "lead.hot":
        subject.lead = Lead.objects.select_related("contact").filter(pk=payload["lead_id"]).first()
        if subject.lead is None:
            return None
        found = _latest_conversation(subject.lead)
        subject.conversation = _conversation(found.pk) if found else None
    elif event.name in ("quote.expired", "sale.validated"):
        model = Quote if event.name == "quote.expired" else Sale
        deal = model.objects.select_related("lead", "contact").filter(
            pk=payload["quote_id" if model is Quote else "sale_id"]).first()
        if deal is None:
            return None
        setattr(subject, "quote" if model is Quote else "sale", deal)
        subject.lead = deal.lead
        found = (Conversation.objects.filter(pk=deal.conversation_id).first() if deal.conversation_id
                 else _latest_conversation(deal.lead, deal.contact_id))
        subject.conversation = _conversation(found.pk) if found else None
    else:
        return None
    if subject.conversation is not None:
        subject.lead = subject.lead or subject.conversation.lead
        subject.team_id = conversation_team_id(subject.conversation)
    return subject


def _has_phrase(words: list[str], phrase: list[str]) -> bool:
    size = len(phrase)
    return bool(size) and any(words[i:i + size] == phrase for i in range(len(words) - size + 1))


def text_matches(text: str, terms: list[str]) -> bool:
    """Any of ``terms`` (a word or a phrase) is in ``text`` as whole words, ignoring accents and capitals."""
    words = tokens(text)
    return any(_has_phrase(words, tokens(term)) for term in terms)


def _rule_tag_ids(rule: AutomationRule) -> set[int]:
    """The rule's tags: from the per-process copy it was built from (``active_rules``), else from the database."""
    cached: set[int] | None = getattr(rule, "cached_tag_ids", None)
    return cached if cached is not None else {tag.pk for tag in rule.tags.all()}


def _rule_actions(rule: AutomationRule) -> list[AutomationAction]:
    cached: list[AutomationAction] | None = getattr(rule, "cached_actions", None)
    return cached if cached is not None else list(rule.actions.all())


def conditions_match(rule: AutomationRule, subject: Subject, *, now: datetime) -> bool:
    """Do all the conditions ``rule`` fills in hold for ``subject``? Cheap checks first."""
    if rule.team_id is not None and rule.team_id != subject.team_id:
        return False
    if rule.channel and (subject.conversation is None or subject.conversation.channel != rule.channel):
        return False
    if rule.lead_temperature and (subject.lead is None or subject.lead.classification != rule.lead_temperature):
        return False
    rule_tags = _rule_tag_ids(rule)
    if rule_tags and not rule_tags & subject.tag_ids:
        return False
    if rule.text_terms and not text_matches(subject.text, rule.text_terms):
        return False
    if rule.intent and subject.intent != rule.intent:
        return False
    if rule.business_hours:
        inside = within_business_hours(team_id=subject.team_id, at=now)
        if inside != (rule.business_hours == HoursCondition.INSIDE):
            return False
    return True


def _guard_reason(rule: AutomationRule, subject: Subject, chain: tuple[int, ...], now: datetime) -> str:
    if rule.pk in chain:
        return _("Held back: this event was caused by this same rule's actions (a loop).")
    if len(chain) >= MAX_DEPTH:
        return _("Held back: %(n)d rules in a row led to this event.") % {"n": len(chain)}
    if subject.conversation_id is not None:
        recent = runs_before(rule, subject, now)[0]
        if recent >= BURST_LIMIT:
            return _("Held back: this rule already ran %(n)d times for this conversation in the last minute.") % {
                "n": recent}
    return ""


def _run_row(rule: AutomationRule, subject: Subject, *, status: str, chain: tuple[int, ...], started: float,
             results: list[ActionResult] | None = None, error: str = "") -> AutomationRun:
    return AutomationRun.objects.create(
        rule=rule, event=subject.event, status=status, conversation_id=subject.conversation_id,
        message_id=subject.message_id, lead_id=subject.lead_id,
        quote=subject.quote, sale=subject.sale, payload=subject.payload,
        results=[result.as_dict() for result in results or []], error=error[:2000], depth=len(chain),
        duration_ms=max(0, round((time.monotonic() - started) * 1000)),
    )


def runs_before(rule: AutomationRule, subject: Subject, now: datetime) -> tuple[int, bool]:
    """``rule``'s runs (held-back ones aside) for ``subject``'s conversation within the burst window, and
    whether it already ran for ``subject``'s message; one read for both, kept on the subject."""
    key = (rule.pk, now)
    if key not in subject.runs_seen:
        message_id = subject.message_id
        window = Q(conversation_id=subject.conversation_id, created_at__gte=now - BURST_WINDOW)
        runs = AutomationRun.objects.filter(rule=rule).exclude(status=AutomationRun.Status.SKIPPED)
        if message_id is None:
            subject.runs_seen[key] = (runs.filter(window).count(), False)
        else:
            this_message = Q(message_id=message_id)
            counts = runs.filter(window | this_message).aggregate(
                recent=Count("pk", filter=window), mine=Count("pk", filter=this_message))
            subject.runs_seen[key] = (counts["recent"] or 0, bool(counts["mine"]))
    return subject.runs_seen[key]


def _already_ran(rule: AutomationRule, subject: Subject, now: datetime) -> bool:
    """A message announced twice (a voice note once its file is stored) runs a rule once."""
    if subject.message_id is None:
        return False
    if subject.conversation_id is not None:
        return runs_before(rule, subject, now)[1]
    return AutomationRun.objects.filter(rule=rule, message_id=subject.message_id).exclude(
        status=AutomationRun.Status.SKIPPED).exists()


def rule_run(rule: AutomationRule, subject: Subject, *, now: datetime | None = None,
             chain: tuple[int, ...] | None = None) -> AutomationRun | None:
    """Run ``rule`` for ``subject`` in a savepoint; the run, or None when its conditions do not hold.

    Never raises for a rule's own failure: a condition that cannot be read or an action that fails is written
    in the run (``failed``). Its actions' events are dispatched after the commit with this rule in their chain.
    """
    now = now or timezone.now()
    chain = current_chain() if chain is None else chain
    started = time.monotonic()
    try:
        # Conditions only read: checked before the savepoint, so a rule that does not apply costs no round trip.
        if not conditions_match(rule, subject, now=now):
            return None
        with transaction.atomic():
            reason = _guard_reason(rule, subject, chain, now)
            if reason:
                logger.warning("automation rule %s held back for %s: %s", rule.pk, subject.event, reason)
                return _run_row(rule, subject, status=AutomationRun.Status.SKIPPED, chain=chain, started=started,
                                error=reason)
            if _already_ran(rule, subject, now):
                return None
            inner = (*chain, rule.pk)
            # Callbacks run in the order they were registered: the events the actions emit are dispatched
            # between these two, with this rule in their chain (the pop is robust: it always runs).
            transaction.on_commit(lambda: _chain_set(inner))
            results = [action_run(action, subject=subject, rule=rule, now=now) for action in _rule_actions(rule)]
            transaction.on_commit(lambda: _chain_set(chain), robust=True)
            failed = [r for r in results if not r.ok]
            return _run_row(rule, subject, status=AutomationRun.Status.FAILED if failed else AutomationRun.Status.OK,
                            chain=chain, started=started, results=results,
                            error="\n".join(f"{r.label}: {r.detail}" for r in failed))
    except IntegrityError:
        # The same message's rule, run at the same moment by another worker: theirs stands, ours rolled back.
        logger.info("automation rule %s already ran for message %s", rule.pk, subject.payload.get("message_id"))
        return None
    except Exception as exc:
        logger.exception("automation rule %s failed for %s", rule.pk, subject.event)
        with transaction.atomic():
            return _run_row(rule, subject, status=AutomationRun.Status.FAILED, chain=chain, started=started,
                            error=str(exc) or type(exc).__name__)


def rules_for(event_name: str) -> list[AutomationRule]:
    """The active rules of ``event_name``, in order (from the per-process copy: no query while none changed)."""
    return active_rules(event_name)


def event_rules_run(event: Event, *, now: datetime | None = None) -> list[AutomationRun]:
    """Every active rule of ``event``, in order; the runs logged (rules whose conditions fail leave none)."""
    rules = rules_for(event.name)
    if not rules:
        return []
    subject = subject_resolve(event)
    if subject is None:
        return []
    runs: list[AutomationRun] = []
    for rule in rules:
        run = rule_run(rule, subject, now=now)
        if run is None:
            continue
        runs.append(run)
        if rule.stop_processing and run.status != AutomationRun.Status.SKIPPED:
            break
    return runs


@dataclass(frozen=True)
class DryRun:
    """What a rule would have done lately: of the ``checked`` latest events of its trigger, those it matches."""

    checked: int
    matched: list[tuple[Subject, datetime]]


def _recent_events(trigger: str, limit: int) -> list[tuple[Event, datetime]]:
    if trigger == "message.received":
        rows = (Message.objects.filter(direction=Message.Direction.IN, is_echo=False)
                .order_by("-created_at", "-pk")[:limit])
        return [(Event(trigger, {"message_id": m.pk, "conversation_id": m.conversation_id, "text": m.text,
                                 "interactive_id": m.interactive_id}), m.created_at) for m in rows]
    if trigger.startswith("conversation."):
        field_name = {"conversation.created": "created_at", "conversation.escalated": "escalated_at",
                      "conversation.resolved": "resolved_at"}[trigger]
        rows = (Conversation.objects.filter(**{f"{field_name}__isnull": False})
                .order_by(f"-{field_name}", "-pk")[:limit])
        extra = {"conversation.escalated": lambda c: {"reason": c.escalation_reason},
                 "conversation.resolved": lambda c: {"actor_id": None}}.get(trigger, lambda c: {})
        return [(Event(trigger, {"conversation_id": c.pk, **extra(c)}), getattr(c, field_name)) for c in rows]
    if trigger == "lead.hot":
        leads = Lead.objects.filter(classification="HOT").order_by("-updated_at", "-pk")[:limit]
        return [(Event(trigger, {"lead_id": lead.pk}), lead.updated_at) for lead in leads]
    if trigger == "quote.expired":
        quotes = Quote.objects.filter(status=Quote.Status.EXPIRED).order_by("-updated_at", "-pk")[:limit]
        return [(Event(trigger, {"quote_id": q.pk}), q.updated_at) for q in quotes]
    if trigger == "sale.validated":
        sales = (Sale.objects.filter(status=Sale.Status.VALIDATED, validated_at__isnull=False)
                 .order_by("-validated_at", "-pk")[:limit])
        return [(Event(trigger, {"sale_id": s.pk, "actor_id": s.validated_by_id}), s.validated_at) for s in sales]
    return []


def rule_dry_run(rule: AutomationRule, *, limit: int = 20) -> DryRun:
    """Check ``rule``'s conditions against the latest ``limit`` events of its trigger (business hours at the time
    of each event). Nothing is run, changed or logged."""
    checked = 0
    matched: list[tuple[Subject, datetime]] = []
    for event, at in _recent_events(rule.trigger, limit):
        subject = subject_resolve(event)
        if subject is None:
            continue
        checked += 1
        if conditions_match(rule, subject, now=at):
            matched.append((subject, at))
    return DryRun(checked=checked, matched=matched)
