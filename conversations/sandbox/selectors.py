"""Reads for the sandbox (``/sandbox/``): a visitor who writes as a customer, with no user and no role.

What they see is scoped by the identity their signed session names (``conversations.services.sandbox``), never
by an id they send: the sandbox messages of the contact behind that identity, as a phone shows its chats.
"""

from __future__ import annotations

from django.db.models import QuerySet

from conversations.models import Message
from integrations.base import Provider
from leads.models import Contact

SANDBOX_HISTORY = 100


def sandbox_contact_id(*, sender_id: str, phone: str) -> int | None:
    """The contact a sandbox identity writes as, found as the inbound path finds it
    (``leads.services.contact_upsert_from_channel``): by WhatsApp id, then by phone. None before its first line."""
    found = Contact.objects.filter(whatsapp_id=sender_id).values_list("pk", flat=True).first()
    if found is None and phone:
        found = Contact.objects.filter(phone=phone).values_list("pk", flat=True).first()
    return found


def _sandbox_messages(contact_id: int) -> QuerySet[Message]:
    return Message.objects.filter(
        conversation__contact_id=contact_id, channel_account__provider=Provider.SANDBOX
    ).exclude(sender=Message.Sender.SYSTEM)


def sandbox_message_list(*, contact_id: int, limit: int = SANDBOX_HISTORY) -> list[Message]:
    """The last ``limit`` messages the contact's sandbox phone shows (both ways, every sandbox conversation of
    theirs), oldest first. Internal lines (system messages) are never among them; notes live elsewhere."""
    return list(reversed(_sandbox_messages(contact_id).order_by("-pk")[:limit]))


def sandbox_refs_unread(*, contact_id: int, refs: tuple[str, ...] | list[str]) -> list[str]:
    """Which of ``refs`` are our messages to this contact on the sandbox that are not read (or failed) yet."""
    return list(
        _sandbox_messages(contact_id)
        .filter(direction=Message.Direction.OUT, provider_message_id__in=list(refs))
        .exclude(status__in=[Message.Status.READ, Message.Status.FAILED])
        .values_list("provider_message_id", flat=True)
    )
