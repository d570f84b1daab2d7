"""The counts ``seed_demo`` prints after each section (of the whole database: the demo's is the demo)."""

from __future__ import annotations

from django.db.models import Count, Sum
from django.utils import timezone

from agreements.models import CollectionAction, Debt, Installment, PaymentAgreement
from ai.models import AIRequest
from calls.models import Call, CallScript, WatchKeyword
from chat.models import BroadcastReceipt, ChatMessage, Room
from conversations.models import Conversation, FollowUpTask, Message, Note
from leads.models import Contact, Lead, LeadStatus
from leads.rfm import Profile, contacts_with_profile
from sales.models import Commission, Quote, Sale
from tickets.models import Ticket, TicketCategory, TicketComment, TicketEvent


def _by(queryset, field: str) -> dict[str, int]:  # type: ignore[no-untyped-def]
    return {row[field]: row["n"] for row in queryset.order_by().values(field).annotate(n=Count("pk"))}


def conversations_line(agents: list[str]) -> str:
    status = _by(Conversation.objects.all(), "status")
    open_ = Conversation.objects.filter(status=Conversation.Status.OPEN)
    per_agent = _by(open_.exclude(assignee=None), "assignee__username")
    senders = _by(Message.objects.all(), "sender")
    today = timezone.localdate()
    scheduled = FollowUpTask.objects.filter(state=FollowUpTask.State.SCHEDULED).values_list("due_at", flat=True)
    due_today = sum(1 for due in scheduled if timezone.localdate(due) == today)
    unread = Conversation.objects.aggregate(n=Sum("unread_count"))["n"] or 0
    return (
        f"Conversations: {sum(status.values())} — open {status.get('open', 0)} ("
        + ", ".join(f"{name} {per_agent.get(name, 0)}" for name in agents)
        + f", queue {open_.filter(assignee=None).count()}), pending {status.get('pending', 0)}, "
        f"snoozed {status.get('snoozed', 0)}, resolved {status.get('resolved', 0)}; "
        f"{Conversation.objects.filter(needs_human=True).count()} need a person "
        f"({Conversation.objects.filter(priority='urgent').count()} urgent); {unread} unread messages\n"
        f"Messages: {sum(senders.values())} ({senders.get('customer', 0)} from customers, {senders.get('ai', 0)} "
        f"by the AI, {senders.get('agent', 0)} by agents, {senders.get('system', 0)} by the system; "
        f"{Message.objects.exclude(media='').count()} with a file), "
        f"{Message.objects.filter(ai_flags__analyzed=True).count()} analysed by the AI step "
        f"({AIRequest.objects.count()} AI requests logged); {Note.objects.count()} notes; "
        f"{due_today} follow-ups due today"
    )


def leads_line() -> str:
    stages = _by(Lead.objects.all(), "status")
    return "Leads by stage: " + ", ".join(f"{status} {stages.get(status, 0)}" for status in LeadStatus.values)


def deals_line() -> str:
    quotes = _by(Quote.objects.all(), "status")
    sales = _by(Sale.objects.all(), "status")
    return (
        f"Quotes: {sum(quotes.values())} (" + ", ".join(f"{k} {v}" for k, v in sorted(quotes.items()))
        + f"); sales: {sum(sales.values())} (" + ", ".join(f"{k} {v}" for k, v in sorted(sales.items()))
        + f", {Sale.objects.exclude(receipt='').count()} with a receipt); "
        f"commissions: {Commission.objects.count()}"
    )


def collections_line() -> str:
    instalments = _by(Installment.objects.all(), "state")
    return (
        f"Collections: debts {Debt.objects.count()}, payment agreements {PaymentAgreement.objects.count()}, "
        "instalments " + ", ".join(f"{k} {v}" for k, v in sorted(instalments.items()))
    )


def profiles_line() -> str:
    contacts = Contact.objects.all()
    counts = {p.value: contacts_with_profile(contacts, p.value).count() for p in Profile}
    return "Outreach profiles: " + ", ".join(f"{k} {v}" for k, v in counts.items())


def calls_line() -> str:
    status = _by(Call.objects.all(), "status")
    transcribed = Call.objects.filter(transcript_state=Call.TranscriptState.DONE).count()
    voicemails = Call.objects.filter(is_voicemail=True).count()
    return (f"Calls: {sum(status.values())} ({', '.join(f'{k} {v}' for k, v in sorted(status.items()))}), "
            f"{transcribed} transcribed, {voicemails} voicemails; call scripts: {CallScript.objects.count()}, "
            f"watch list: {WatchKeyword.objects.count()} words")


def collection_work_line() -> str:
    statuses = _by(Debt.objects.all(), "contact_status")
    kinds = _by(CollectionAction.objects.all(), "kind")
    promises = CollectionAction.objects.filter(result="promise_to_pay").count()
    return (f"Collection work: {sum(kinds.values())} actions ("
            + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items()))
            + f"), {promises} promises to pay; debts by contact status: "
            + ", ".join(f"{k} {v}" for k, v in sorted(statuses.items())))


def tickets_line() -> str:
    states = _by(Ticket.objects.all(), "state")
    priorities = _by(Ticket.objects.all(), "priority")
    late = Ticket.objects.filter(is_first_response_breached=True) | Ticket.objects.filter(is_resolution_breached=True)
    return (
        f"Tickets: {sum(states.values())} (" + ", ".join(f"{s} {states.get(s, 0)}" for s in Ticket.State.values)
        + "; " + ", ".join(f"{p} {priorities.get(p, 0)}" for p in ("low", "medium", "high", "critical"))
        + f"), {Ticket.objects.filter(source=Ticket.Source.AI_ESCALATION).count()} from the AI's complaints, "
        f"{Ticket.objects.filter(sla_warned_at__isnull=False, state__in=Ticket.ACTIVE_STATES).count()} "
        f"close to their SLA, {late.distinct().count()} late; {TicketComment.objects.count()} comments, "
        f"{TicketEvent.objects.count()} history rows; categories: {TicketCategory.objects.count()}"
    )


def internal_chat_line() -> str:
    receipts = BroadcastReceipt.objects.all()
    return (
        f"Internal chat: {ChatMessage.objects.count()} messages in {Room.objects.count()} rooms, "
        f"{ChatMessage.objects.filter(is_broadcast=True).count()} announcements "
        f"(read by {receipts.filter(read_at__isnull=False).count()} of {receipts.count()})"
    )
