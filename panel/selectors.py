"""Reads the chat panel needs on top of ``conversations.selectors``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, Team, User
from accounts.selectors import assignable_users_list
from ai.models import IntentCorrection
from calls.models import Call, CallRecording, CallScriptStep
from calls.selectors import calls_for_contact, calls_visible
from conversations.models import Channel, Conversation, Message, MessageTemplate, Note, Tag
from conversations.selectors import (
    ConversationFilters,
    conversation_list,
    conversation_visible_queryset,
    message_list,
)
from conversations.services.inbox import note_mentioned_usernames
from core.errors import ApplicationError
from core.params import parse_id
from leads.models import Classification, Contact
from leads.search import contact_search_q
from operators.models import Product
from operators.selectors import product_search
from sales.models import Quote, Sale
from sales.selectors import scope_by_agent

# The conversation opens on its latest page; earlier pages come as the agent scrolls up (``message_page``), so
# opening a conversation of 10,000 messages costs what opening one of 50 does.
MESSAGE_PAGE_SIZE = 50
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class InvalidCursorError(ApplicationError):
    """A ``before`` cursor that is not one ``message_page`` handed out."""

    status_code = 400

    def __init__(self) -> None:
        super().__init__(_("The cursor is not valid: ask with the one the previous page gave."), code="invalid_cursor")


@dataclass(frozen=True)
class MessageCursor:
    """A place in a conversation's timeline, ordered by (``created_at``, ``id``): the keyset of its pages.

    Written as ``<microseconds since 1970, UTC>_<message id>``: exact, and the same on SQLite and PostgreSQL.
    """

    created_at: datetime
    message_id: int

    @classmethod
    def of(cls, message: Message) -> MessageCursor:
        return cls(created_at=message.created_at, message_id=message.pk)

    @classmethod
    def parse(cls, raw: str) -> MessageCursor:
        at, sep, message_id = (raw or "").strip().partition("_")
        if not sep or not at.isdigit() or not message_id.isdigit() or len(at) > 18 or len(message_id) > 18:
            raise InvalidCursorError
        try:
            created_at = _EPOCH + timedelta(microseconds=int(at))
        except OverflowError as exc:
            raise InvalidCursorError from exc
        return cls(created_at=created_at, message_id=int(message_id))

    def __str__(self) -> str:
        delta = self.created_at - _EPOCH
        return f"{(delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds}_{self.message_id}"


@dataclass(frozen=True)
class MessagePage:
    messages: list[Message]  # oldest first
    has_earlier: bool  # messages older than the first one here exist
    cursor: str  # ask ``message_page(before=...)`` with it for the page before this one ("" when empty)


def message_page(*, conversation: Conversation, before: MessageCursor | None = None,
                 limit: int = MESSAGE_PAGE_SIZE) -> MessagePage:
    """The ``limit`` messages just before ``before`` (the latest without it), oldest first.

    Keyset pagination on (``created_at``, ``id``), never OFFSET: one query on the (conversation, created_at)
    index however long the conversation and however far back the page is. A message that arrives meanwhile is
    newer than every cursor handed out, so it never comes twice.
    """
    qs = message_list(conversation=conversation)
    if before is not None:
        qs = qs.filter(Q(created_at__lt=before.created_at)
                       | Q(created_at=before.created_at, pk__lt=before.message_id))
    rows = list(qs[: limit + 1])
    page = rows[:limit][::-1]
    return MessagePage(messages=page, has_earlier=len(rows) > limit,
                       cursor=str(MessageCursor.of(page[0])) if page else "")


def message_get_for_conversation(*, conversation: Conversation, message_id: int) -> Message:
    return message_list(conversation=conversation).get(pk=message_id)


def note_list(*, conversation: Conversation) -> QuerySet[Note]:
    return conversation.notes.select_related("author").order_by("created_at", "pk")


def template_list(*, conversation: Conversation) -> QuerySet[MessageTemplate]:
    return MessageTemplate.objects.filter(channel_account_id=conversation.channel_account_id, is_active=True)


# ---------------------------------------------------------------------------------------------
# The inbox and the kanban
# ---------------------------------------------------------------------------------------------
TABS = {"mine": "me", "unassigned": "none", "all": ""}
KANBAN_STATUSES = [Conversation.Status.OPEN, Conversation.Status.PENDING, Conversation.Status.SNOOZED,
                   Conversation.Status.RESOLVED]
KANBAN_LIMIT = 30
# What "needs attention" means for the tabs' badges: waiting for someone (snoozed and resolved do not).
ATTENTION_STATUSES = [Conversation.Status.OPEN, Conversation.Status.PENDING]


@dataclass(frozen=True)
class InboxFilters:
    tab: str = "all"
    status: str = ""
    channel: str = ""
    priority: str = ""
    assignee: str = ""  # only on the "all" tab: "me", "none" or a user id
    temperature: str = ""
    tag: str = ""
    q: str = ""

    @classmethod
    def from_query(cls, params: Mapping[str, str]) -> InboxFilters:
        """Read the query string; values that are not one of the choices are ignored."""

        def pick(name: str, allowed: Iterable[str]) -> str:
            value = (params.get(name) or "").strip()
            return value if value in allowed else ""

        tab = pick("tab", TABS) or "all"
        assignee = (params.get("assignee") or "").strip()
        if assignee not in ("me", "none"):
            assignee_id = parse_id(assignee)
            assignee = "" if assignee_id is None else str(assignee_id)
        return cls(
            tab=tab,
            status=pick("status", Conversation.Status.values),
            channel=pick("channel", Channel.values),
            priority=pick("priority", Conversation.Priority.values),
            assignee=assignee,
            temperature=pick("temperature", Classification.values),
            tag=(params.get("tag") or "").strip().lower()[:40],
            q=(params.get("q") or "").strip()[:100],
        )

    @property
    def is_narrowed(self) -> bool:
        """A filter other than the tab and the search box is set."""
        return any((self.status, self.channel, self.priority, self.assignee, self.temperature, self.tag))


def inbox_list(*, user: User, filters: InboxFilters | None = None) -> QuerySet[Conversation]:
    """The conversations ``user`` may see that match ``filters``, newest activity first.

    Search finds the contact by anything that identifies them (``leads.search.contact_search_q``: name,
    phone in any format, WhatsApp or Instagram id, username, email) and matches any message's text.
    """
    filters = filters or InboxFilters()
    assignee = TABS.get(filters.tab, "") or filters.assignee
    qs = conversation_list(user=user, filters=ConversationFilters(
        status=filters.status, channel=filters.channel, priority=filters.priority, assignee=assignee))
    if filters.temperature:
        qs = qs.filter(lead__classification=filters.temperature)
    if filters.tag:
        qs = qs.filter(Exists(Tag.objects.filter(conversations=OuterRef("pk"), name=filters.tag)))
    if filters.q:
        qs = qs.filter(contact_search_q(filters.q, prefix="contact__") | Q(last_message_preview__icontains=filters.q)
                       | Exists(Message.objects.filter(conversation=OuterRef("pk"), text__icontains=filters.q)))
    return qs


@dataclass
class KanbanColumn:
    status: str
    label: str
    total: int
    cards: list[Conversation]


def kanban_columns(*, user: User, filters: InboxFilters | None = None) -> list[KanbanColumn]:
    """One column per status with its newest ``KANBAN_LIMIT`` cards; the query count does not grow with rows."""
    filters = filters or InboxFilters()
    qs = inbox_list(user=user, filters=replace(filters, status=""))
    totals = qs.order_by().aggregate(**{s.value: Count("pk", filter=Q(status=s.value)) for s in KANBAN_STATUSES})
    return [
        KanbanColumn(status=s.value, label=str(s.label), total=totals[s.value],
                     cards=list(qs.filter(status=s.value)[:KANBAN_LIMIT]) if totals[s.value] else [])
        for s in KANBAN_STATUSES
    ]


def kanban_card_get_for_user(*, user: User, filters: InboxFilters, conversation_id: int) -> Conversation:
    """One card of the board as ``filters`` show it (any status); a 404 when it is not on that board."""
    conversation = inbox_list(user=user, filters=replace(filters, status="")).filter(pk=conversation_id).first()
    if conversation is None:
        raise Http404
    return conversation


@dataclass(frozen=True)
class TabCount:
    count: int  # open or pending conversations
    unread: int  # their unread messages


def inbox_tab_counts(*, user: User) -> dict[str, TabCount]:
    """Per inbox tab, the open or pending conversations ``user`` may see and their unread messages.

    One aggregate query over the visible conversations, narrowed by status first (the inbox index starts
    with it); the tabs' other filters do not apply, so a badge says what waits in that tab.
    """
    per_tab = {"mine": Q(assignee=user), "unassigned": Q(assignee__isnull=True), "all": Q()}
    aggregates: dict[str, Any] = {}
    for tab, q in per_tab.items():
        aggregates[f"{tab}_count"] = Count("pk", filter=q) if q else Count("pk")
        aggregates[f"{tab}_unread"] = Sum("unread_count", filter=q) if q else Sum("unread_count")
    totals = (
        conversation_visible_queryset(user=user).filter(status__in=ATTENTION_STATUSES).order_by()
        .aggregate(**aggregates)
    )
    return {tab: TabCount(count=totals[f"{tab}_count"], unread=totals[f"{tab}_unread"] or 0) for tab in per_tab}


def inbox_assignee_choices(*, user: User) -> QuerySet[User]:
    """Whose conversations a supervisor (or admin) may filter by; agents only see their own anyway."""
    if user.is_agent:
        return User.objects.none()
    return assignable_users_list(user=user).order_by("first_name", "username")


def tag_list() -> QuerySet[Tag]:
    return Tag.objects.order_by("name")


# ---------------------------------------------------------------------------------------------
# The 360° sidebar
# ---------------------------------------------------------------------------------------------
def contact_other_conversations(*, user: User, conversation: Conversation, limit: int = 10) -> list[Conversation]:
    """Earlier conversations of the same contact that ``user`` may open."""
    return list(
        conversation_visible_queryset(user=user)
        .filter(contact_id=conversation.contact_id)
        .exclude(pk=conversation.pk)
        .select_related("channel_account")
        .order_by("-last_message_at", "-pk")[:limit]
    )


def last_inbound_analysis(*, conversation: Conversation) -> Message | None:
    """The customer's last message, whose ``intent``/``sentiment``/``ai_flags`` hold the AI's reading."""
    return (
        conversation.messages.filter(direction=Message.Direction.IN)
        .order_by("-created_at", "-pk")
        .first()
    )


def message_intent_correction(*, message: Message | None) -> IntentCorrection | None:
    """The person's correction of the intent ``message`` shows, with who made it (None when the AI's reading
    stands: no query then)."""
    if message is None or not (message.ai_flags or {}).get("intent_corrected_by"):
        return None
    return (IntentCorrection.objects.select_related("corrected_by")
            .filter(message_id=message.pk, intent=message.intent).first())


def contact_purchases(*, user: User, contact: Contact, limit: int = 5) -> dict[str, list[Any]]:
    """The contact's latest quotes and sales that ``user`` may see (another team's stay out of the sidebar)."""
    return {
        "quotes": list(scope_by_agent(Quote.objects.filter(contact=contact), user).order_by("-pk")[:limit]),
        "sales": list(scope_by_agent(Sale.objects.filter(contact=contact), user).order_by("-pk")[:limit]),
    }


CALLS_LIMIT = 10


def contact_calls(*, user: User, contact_id: int, limit: int = CALLS_LIMIT) -> list[Call]:
    """The contact's latest calls that ``user`` may see, newest first, with their recordings (the sidebar's
    timeline of calls beside the messages). Three queries whatever the number of calls."""
    return list(
        calls_for_contact(user, contact_id)
        .prefetch_related(Prefetch("recordings", queryset=CallRecording.objects.order_by("created_at", "pk")))[:limit]
    )


# A call whose callbacks never came (Twilio could not reach us) must not hold the bar, and the Call button, for
# good: still "queued" after a few minutes, or not over after hours, it is no longer shown as live.
LIVE_QUEUED_FOR = timedelta(minutes=3)
LIVE_AT_MOST = timedelta(hours=4)


def live_call_for(*, user: User, conversation: Conversation) -> Call | None:
    """``user``'s call about ``conversation`` that is still going (the live bar shows it after a reload)."""
    now = timezone.now()
    return (
        calls_visible(user)
        .select_related(None).select_related("script")  # the bar shows the call and its script, nothing else
        .filter(conversation_id=conversation.pk, agent_id=user.pk, started_at__gte=now - LIVE_AT_MOST)
        .exclude(status__in=Call.FINAL_STATUSES)
        .exclude(status=Call.Status.QUEUED, started_at__lt=now - LIVE_QUEUED_FOR)
        .order_by("-started_at", "-pk").first()
    )


def call_script_steps(*, call: Call | None) -> list[CallScriptStep]:
    """The steps of the call's script, in order: opening, discovery, objections, closing (none without one)."""
    if call is None or call.script_id is None:
        return []
    order = {kind: i for i, kind in enumerate(CallScriptStep.Kind.values)}
    steps = list(CallScriptStep.objects.filter(script_id=call.script_id).order_by("position", "pk"))
    return sorted(steps, key=lambda step: (order.get(step.kind, len(order)), step.position, step.pk))


def assign_candidates_list(*, user: User) -> QuerySet[User]:
    """Whom a supervisor or admin may assign a conversation to (nobody for agents)."""
    if user.is_agent or user.is_backoffice:
        return User.objects.none()
    return assignable_users_list(user=user).order_by("first_name", "username")


def transfer_team_list(*, user: User, conversation: Conversation) -> QuerySet[Team]:
    """Teams a conversation may be handed to: those with an active agent."""
    return (
        Team.objects.filter(members__is_active=True, members__role=Role.AGENT)
        .distinct()
        .order_by("name")
    )


def product_card_search(*, query: str, limit: int = 8) -> list[Product]:
    query = query.strip()[:100]
    if not query:
        return []
    return list(product_search(query=query)[:limit])


def mentioned_usernames(*, notes: Iterable[Note]) -> set[str]:
    """Which ``@names`` in ``notes`` are real users (the others are shown as plain text)."""
    names = {name for note in notes for name in note_mentioned_usernames(note.text)}
    if not names:
        return set()
    return set(User.objects.filter(username__in=names).values_list("username", flat=True))
