"""``seed_demo --reset``: delete what the demo created, so the next run starts over.

The demo's rows are its calls (by CallSid) and those hanging on its contacts (tagged ``demo``): their
conversations with messages,
notes and follow-ups, the AI log of those messages, leads, quotes, sales with their commissions (the
units of validated sales go back to stock), debts with agreements, payments and collection actions,
tickets with their comments, history and attachments; then the demo's own channel accounts once nothing
uses them, and the files of the deleted rows. The demo users' internal chat (their messages, and the
direct and announcement rooms left empty) and their notifications go too. Users, teams, the catalog,
ticket categories, quick replies and commission rules stay (the next run finds them).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from django.db.models import FileField, Model, QuerySet

from agreements.models import Debt, Payment, PaymentAgreement
from ai.models import AIRequest
from calls.models import Call
from chat.models import ChatMessage, Room
from conversations.models import ChannelAccount, Conversation, Message
from demo.seed.calls import DEMO_SID_PREFIX
from demo.seed.channels import DEMO_ACCOUNTS
from demo.seed.context import DEMO_TAG
from demo.seed.history import EMAIL_DOMAIN as HISTORY_EMAIL_DOMAIN
from demo.seed.people import DEMO_USERS
from leads.models import Contact
from notifications.models import Notification
from operators.services import product_stock_return
from sales.models import Quote, Sale
from tickets.models import Ticket, TicketAttachment

BATCH = 500


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), BATCH):
        yield ids[start:start + BATCH]


def _delete_files(queryset: QuerySet, field: str) -> None:
    """Remove the stored files of ``field`` for the rows about to be deleted."""
    model: type[Model] = queryset.model
    file_field = model._meta.get_field(field)
    if not isinstance(file_field, FileField):
        return
    for name in queryset.exclude(**{field: ""}).values_list(field, flat=True):
        if name:
            file_field.storage.delete(name)


def demo_contact_ids() -> list[int]:
    return [pk for pk, tags in Contact.objects.values_list("pk", "tags").iterator() if DEMO_TAG in (tags or [])]


def demo_reset() -> Counter:
    deleted: Counter = Counter()
    deleted["calls"] += Call.objects.filter(call_sid__startswith=DEMO_SID_PREFIX).delete()[1].get("calls.Call", 0)
    contact_ids = demo_contact_ids()
    for ids in _chunks(contact_ids):
        tickets = Ticket.objects.filter(contact_id__in=ids)
        _delete_files(TicketAttachment.objects.filter(ticket__in=tickets), "file")
        deleted["tickets"] += tickets.delete()[1].get("tickets.Ticket", 0)
        sales = Sale.objects.filter(contact_id__in=ids)
        # The dashboard's history (written in bulk) never took units from stock: nothing to give back for it.
        taken = sales.filter(status=Sale.Status.VALIDATED).exclude(contact__email__endswith="@" + HISTORY_EMAIL_DOMAIN)
        for sale in taken.prefetch_related("lines"):
            units: dict[int, int] = {}
            for line in sale.lines.all():
                if line.product_id:
                    units[line.product_id] = units.get(line.product_id, 0) + line.quantity
            product_stock_return(quantities=units)
        _delete_files(sales, "receipt")
        deleted["sales"] += sales.delete()[1].get("sales.Sale", 0)
        quotes = Quote.objects.filter(contact_id__in=ids)
        _delete_files(quotes, "pdf")
        deleted["quotes"] += quotes.delete()[1].get("sales.Quote", 0)
        Payment.objects.filter(agreement__debt__contact_id__in=ids).delete()
        deleted["agreements"] += PaymentAgreement.objects.filter(debt__contact_id__in=ids).delete()[1].get(
            "agreements.PaymentAgreement", 0)
        deleted["debts"] += Debt.objects.filter(contact_id__in=ids).delete()[1].get("agreements.Debt", 0)
        conversations = Conversation.objects.filter(contact_id__in=ids)
        for message_ids in _chunks(list(Message.objects.filter(conversation__in=conversations)
                                        .values_list("pk", flat=True))):
            AIRequest.objects.filter(subject__in=[f"message:{pk}" for pk in message_ids]).delete()
            _delete_files(Message.objects.filter(pk__in=message_ids), "media")
        deleted["conversations"] += conversations.delete()[1].get("conversations.Conversation", 0)
        deleted["contacts"] += Contact.objects.filter(pk__in=ids).delete()[1].get("leads.Contact", 0)
    _internal_chat_reset(deleted)
    for provider, ref, _name, _phone in DEMO_ACCOUNTS.values():
        account = ChannelAccount.objects.filter(provider=provider, account_ref=ref).first()
        if account is not None and not account.conversations.exists() and not account.messages.exists():
            account.delete()
            deleted["channel accounts"] += 1
    return deleted


def _internal_chat_reset(deleted: Counter) -> None:
    """The demo users' chat messages (their receipts with them), the direct and announcement rooms left
    empty, and the demo users' notifications."""
    usernames = [user.username for user in DEMO_USERS]
    deleted["chat messages"] += ChatMessage.objects.filter(author__username__in=usernames).delete()[1].get(
        "chat.ChatMessage", 0)
    Room.objects.filter(kind__in=[Room.Kind.DIRECT, Room.Kind.BROADCAST], messages__isnull=True).delete()
    deleted["notifications"] += Notification.objects.filter(user__username__in=usernames).delete()[1].get(
        "notifications.Notification", 0)
