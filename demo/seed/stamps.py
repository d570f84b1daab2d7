"""Dating a played story back to its own times (its rows were written now, with ``auto_now`` stamps).

Messages get the times the story gave them; outbound ones are recorded as handed to the provider
(``send_state`` done), delivered, and read once the customer answered (or the chat was closed), so no
send is attempted for them. The conversation's activity fields, the lead (its creation, its score
reasons, its closing), the contact, the AI log rows of each message, notes, follow-ups, quotes and the
sale follow the same clock. Plain updates: dates are not business rules.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from ai.models import AIRequest
from conversations.models import Conversation, FollowUpTask, Message, Note
from demo.seed.chat import Chat
from leads.models import Contact, Lead
from sales.models import Commission, Quote, Sale


def chat_date_back(chat: Chat) -> None:
    if chat.conversation is None:
        return
    conversation = Conversation.objects.get(pk=chat.conversation.pk)
    times = chat.message_times
    messages = list(Message.objects.filter(pk__in=times).order_by("pk"))
    inbound = sorted(times[m.pk] for m in messages if m.direction == Message.Direction.IN)
    closed = conversation.status in (Conversation.Status.RESOLVED, Conversation.Status.SNOOZED)
    for message in messages:
        _date_message(message, times[message.pk], inbound, closed=closed, now=chat.ctx.now)
    Message.objects.bulk_update(messages, [
        "created_at", "updated_at", "provider_timestamp", "send_state", "status", "sent_at", "delivered_at",
        "read_at", "status_timestamp"])
    first, last = min(times.values()), max(times.values())
    outbound = [times[m.pk] for m in messages if m.direction == Message.Direction.OUT]
    Conversation.objects.filter(pk=conversation.pk).update(
        created_at=first, updated_at=last, last_message_at=last, last_inbound_at=max(inbound, default=None),
        last_outbound_at=max(outbound, default=None))
    for pk, moment in chat.note_times.items():
        Note.objects.filter(pk=pk).update(created_at=moment, updated_at=moment)
    for pk, moment in chat.followup_times.items():
        FollowUpTask.objects.filter(pk=pk).update(created_at=moment, updated_at=moment)
    _date_ai_log(times)
    _date_deals(chat)
    _date_lead(chat, conversation.lead_id, first, times)
    Contact.objects.filter(pk=chat.contact.pk).update(
        created_at=min(first, chat.contact.created_at), updated_at=last, last_seen_at=max(inbound, default=first))


def _date_message(message: Message, moment: datetime, inbound: list[datetime], *, closed: bool,
                  now: datetime) -> None:
    message.created_at = message.updated_at = moment
    if message.direction == Message.Direction.IN:
        message.provider_timestamp = moment
        return
    message.send_state = Message.SendState.DONE
    message.sent_at = moment + timedelta(seconds=1)
    message.delivered_at = moment + timedelta(seconds=3)
    answered = next((t for t in inbound if t > moment), None)
    if answered is not None or closed:
        read_at = min(answered - timedelta(seconds=20), moment + timedelta(minutes=3)) if answered else (
            moment + timedelta(minutes=4))
        message.read_at = min(max(read_at, moment + timedelta(seconds=8)), now - timedelta(seconds=30))
        message.status = Message.Status.READ
    else:
        message.status = Message.Status.DELIVERED
    message.status_timestamp = message.read_at or message.delivered_at


def _date_ai_log(times: dict[int, datetime]) -> None:
    by_subject = {f"message:{pk}": moment for pk, moment in times.items()}
    rows = list(AIRequest.objects.filter(subject__in=by_subject))
    for row in rows:
        row.created_at = by_subject[row.subject] + timedelta(milliseconds=300)
    AIRequest.objects.bulk_update(rows, ["created_at"])


def _date_deals(chat: Chat) -> None:
    for quote, sent_at in chat.quotes:
        Quote.objects.filter(pk=quote.pk).update(created_at=sent_at, updated_at=sent_at, sent_at=sent_at)
        sold_at = Sale.objects.filter(quote=quote).values_list("sold_at", flat=True).first()
        if sold_at is not None:
            Quote.objects.filter(pk=quote.pk).update(accepted_at=sold_at, updated_at=sold_at)
    if chat.sale is not None and chat.validated_at is not None:
        Sale.objects.filter(pk=chat.sale.pk).update(validated_at=chat.validated_at, updated_at=chat.validated_at,
                                                    receipt_sent_at=chat.validated_at)
        Commission.objects.filter(sale=chat.sale).update(created_at=chat.validated_at, updated_at=chat.validated_at)


def _date_lead(chat: Chat, lead_id: int | None, first: datetime, times: dict[int, datetime]) -> None:
    if lead_id is None:
        return
    lead = Lead.objects.get(pk=lead_id)
    analysis = dict(lead.ai_analysis or {})
    reasons = [dict(reason) for reason in analysis.get("reasons", [])]
    for reason in reasons:
        if reason.get("message") in times:
            reason["at"] = times[reason["message"]].isoformat()
    if reasons:
        analysis["reasons"] = reasons
    created = times.get(reasons[0].get("message"), first) if reasons else first
    closed_at = lead.closed_at
    if chat.sale is not None and lead.status == "won":
        closed_at = Sale.objects.filter(pk=chat.sale.pk).values_list("sold_at", flat=True).get()
    elif chat.lead_closed_at is not None:
        closed_at = chat.lead_closed_at
    Lead.objects.filter(pk=lead_id).update(created_at=created, ai_analysis=analysis, closed_at=closed_at,
                                           updated_at=max(times.values(), default=first))
