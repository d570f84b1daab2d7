"""Playing one story (``demo.seed.script``) through the product's own services.

Each customer line goes through the inbound path (``inbound_message_record``, as a webhook's task would),
then the steps ``message.received`` runs: a "sí" to a waiting quote becomes a sale
(``quote_accept_from_message``), anything else goes to the AI step (``message_assist``) with the local
provider, which analyses it, updates the lead and answers (or hands over, or drafts for the agent).
Agents act through the inbox, outbound, quotes and sales services. Everything happens now, so the
reply windows are open; ``demo.seed.stamps`` then dates the rows back to the story's times and records
every outbound message as delivered or read (nothing is handed to a provider: the sends queued for
after the commit find their messages done and skip them).
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from conversations.models import Conversation, Message, Note
from conversations.services.assistant import message_assist
from conversations.services.followups import followup_schedule
from conversations.services.inbound import inbound_message_record
from conversations.services.inbox import (
    conversation_add_note,
    conversation_assign,
    conversation_mark_read,
    conversation_set_status,
    conversation_set_tags,
    conversation_transfer,
)
from conversations.services.outbound import message_send
from demo.seed.context import DEMO_TAG, SeedContext
from demo.seed.media import drawing_jpeg, inbound_photo_keep
from demo.seed.script import Step, Story
from integrations.base import InboundMessage, MediaRef, MessageType, Provider
from leads.models import Contact, CustomerType
from leads.services import contact_create, lead_set_status
from sales.models import Quote, Sale
from sales.services.quotes import (
    quote_accept_from_message,
    quote_create,
    quote_pdf_store,
    quote_reject,
    quote_send,
)
from sales.services.sales import sale_receipt_send, sale_validate

PACE_MINUTES = {  # the usual time since the previous step: (least, most)
    "customer": (1, 4), "customer_photo": (1, 3), "take": (2, 9), "assign": (3, 12), "transfer": (2, 6),
    "agent": (2, 6), "agent_photo": (1, 3), "note": (0.5, 2), "quote": (4, 10), "validate": (90, 240),
    "decline": (30, 600), "lead": (1, 3), "tags": (0.3, 0.3), "status": (2, 10), "read": (1, 1), "followup": (1, 1),
}


def contact_for_story(story: Story) -> Contact:
    person = story.person
    on_instagram = story.channel == "instagram"
    return contact_create(
        name=person.name, phone=person.phone, whatsapp_id=person.phone.lstrip("+") if person.phone else "",
        instagram_id=person.instagram_id if on_instagram else "", instagram_username=person.instagram,
        email=person.email, city=person.city, zone=person.zone, marketing_consent=True, tags=[DEMO_TAG],
        customer_type=CustomerType.WHOLESALE if person.wholesale else CustomerType.RETAIL,
    )


class StoryError(Exception):
    """A story that does not hold together (written wrong, or the product behaved unexpectedly)."""


class Chat:
    def __init__(self, ctx: SeedContext, story: Story, contact: Contact) -> None:
        self.ctx, self.story, self.contact = ctx, story, contact
        self.account = ctx.accounts[story.channel]
        self.start = story.when.resolve(ctx.now)
        self.at = self.start
        self.rng = random.Random(story.key)
        self.conversation: Conversation | None = None
        self.lines = 0
        self.seen_message = self.seen_note = 0
        self.message_times: dict[int, datetime] = {}
        self.note_times: dict[int, datetime] = {}
        self.quotes: list[tuple[Quote, datetime]] = []  # quote, sent at
        self.sale: Sale | None = None
        self.validated_at: datetime | None = None
        self.lead_closed_at: datetime | None = None
        self.followup_times: dict[int, datetime] = {}

    # -- playing -------------------------------------------------------------------------------
    def play(self) -> None:
        for step in self.story.steps:
            least, most = PACE_MINUTES[step.kind]
            self.at += step.gap if step.gap is not None else timedelta(minutes=self.rng.uniform(least, most))
            if step.kind == "validate":
                self.at = self._office_hours(self.at)
            getattr(self, f"_{step.kind}")(step)
            self._collect()

    def _office_hours(self, moment: datetime) -> datetime:
        """The back office works 9 to 19: a validation due at night waits for the next morning."""
        local = timezone.localtime(moment)
        if 9 <= local.hour < 19:
            return moment
        morning = local + timedelta(days=1) if local.hour >= 19 else local
        return morning.replace(hour=9, minute=self.rng.randrange(5, 50), second=0, microsecond=0)

    def _collect(self) -> None:
        """Give the rows the step made their time: the first one the step's, the next a few seconds later."""
        if self.conversation is None:
            return
        new = list(self.conversation.messages.filter(pk__gt=self.seen_message).order_by("pk")
                   .values_list("pk", flat=True))
        for index, pk in enumerate(new):
            self.message_times[pk] = self.ctx.clamp(self.at + timedelta(seconds=7 * index))
        self.seen_message = max([self.seen_message, *new])
        notes = list(Note.objects.filter(conversation=self.conversation, pk__gt=self.seen_note)
                     .values_list("pk", flat=True))
        for pk in notes:
            self.note_times[pk] = self.ctx.clamp(self.at)
        self.seen_note = max([self.seen_note, *notes])

    def _fresh(self) -> Conversation:
        if self.conversation is None:
            raise StoryError(f"{self.story.key}: a story starts with the customer's message")
        self.conversation = Conversation.objects.select_related("lead", "assignee", "channel_account").get(
            pk=self.conversation.pk)
        return self.conversation

    def _actor(self) -> User:
        conversation = self._fresh()
        return conversation.assignee or self.ctx.users["supervisor"]

    # -- the customer --------------------------------------------------------------------------
    def _customer(self, step: Step, drawing: str = "") -> None:
        self.lines += 1
        text = step.args[0]
        on_instagram = self.story.channel == "instagram"
        event = InboundMessage(
            provider=Provider(self.account.provider), account_ref=self.account.account_ref,
            external_id=f"demo-{self.story.key}-{self.lines:03d}",
            sender_id=self.contact.instagram_id if on_instagram else self.contact.whatsapp_id,
            sender_phone="" if on_instagram else self.contact.phone, sender_name=self.contact.name,
            sender_username=self.contact.instagram_username if on_instagram else "",
            timestamp=timezone.now(), type=MessageType.IMAGE if drawing else MessageType.TEXT,
            text="" if drawing else text,
            media=(MediaRef(mime_type="image/jpeg", filename=f"{drawing}.jpg", caption=text),) if drawing else (),
        )
        with transaction.atomic():
            message = inbound_message_record(event=event)
        if drawing:
            inbound_photo_keep(message=message, drawing=drawing)
        self.conversation = message.conversation
        # What the subscribers of message.received do, in their order: a quote accepted, else the AI step.
        sale = quote_accept_from_message(message_id=message.pk)
        if sale is not None:
            self.sale = sale
            Sale.objects.filter(pk=sale.pk).update(sold_at=self.ctx.clamp(self.at), created_at=self.ctx.clamp(self.at))
        else:
            message_assist(message_id=message.pk)

    def _customer_photo(self, step: Step) -> None:
        self._customer(step, drawing=step.args[1])

    # -- the team ------------------------------------------------------------------------------
    def _take(self, step: Step) -> None:
        agent = self.ctx.users[step.args[0]]
        conversation_assign(actor=agent, conversation=self._fresh(), assignee=agent)

    def _assign(self, step: Step) -> None:
        conversation_assign(actor=self.ctx.users["supervisor"], conversation=self._fresh(),
                            assignee=self.ctx.users[step.args[0]])

    def _transfer(self, step: Step) -> None:
        username, text = step.args
        conversation_transfer(actor=self._actor(), conversation=self._fresh(), to=self.ctx.users[username],
                              note=text)

    def _agent(self, step: Step) -> None:
        message_send(conversation=self._fresh(), text=step.args[0], actor=self._actor())

    def _agent_photo(self, step: Step) -> None:
        caption, drawing = step.args
        message_send(conversation=self._fresh(), text=caption, actor=self._actor(),
                     document=ContentFile(drawing_jpeg(drawing)), filename=f"{drawing}.jpg",
                     media_kind=Message.Type.IMAGE)

    def _note(self, step: Step) -> None:
        text, by = step.args
        conversation_add_note(actor=self.ctx.users[by] if by else self._actor(), conversation=self._fresh(),
                              text=text)

    def _quote(self, step: Step) -> None:
        lines = []
        for spec in step.args:
            skus, _, quantity = spec.partition("*")
            lines.append({"product": self.ctx.in_stock(*skus.split("|"), quantity=int(quantity or 1)),
                          "quantity": int(quantity or 1)})
        actor, conversation = self._actor(), self._fresh()
        quote = quote_create(actor=actor, contact=self.contact, lines=lines, conversation=conversation,
                             valid_days=step.options["valid_days"], sale_type=step.options["sale_type"])
        # Its own dates before its PDF is drawn, so the document says when it was made and until when.
        made = self.ctx.clamp(self.at)
        valid_until = timezone.localdate(made) + timedelta(days=step.options["valid_days"])
        Quote.objects.filter(pk=quote.pk).update(created_at=made, valid_until=valid_until)
        quote.refresh_from_db()
        if valid_until >= timezone.localdate(self.ctx.now):
            quote_send(actor=actor, quote=quote, conversation=conversation)
        else:  # expired by today: the service sends no expired quote, so the agent attached its PDF then
            message_send(conversation=conversation, actor=actor, document=ContentFile(quote_pdf_store(quote=quote)),
                         filename=f"{quote.number}.pdf",
                         text=f"Te envío la cotización {quote.number}, válida hasta el {valid_until:%d/%m/%Y}.")
        self.quotes.append((quote, made))

    def _decline(self, step: Step) -> None:
        if not self.quotes:
            raise StoryError(f"{self.story.key}: no quote to decline")
        quote_reject(quote=self.quotes[-1][0], actor=self._actor(), reason=step.args[0])

    def _validate(self, step: Step) -> None:
        if self.sale is None:  # a quote accepted in the story must still be valid today (the service checks)
            raise StoryError(f"{self.story.key}: nothing was sold to validate (was the quote valid long enough?)")
        sale_validate(actor=self.ctx.users["backoffice"], sale=self.sale)
        sale_receipt_send(sale_id=self.sale.pk)  # what sale.validated's subscriber does, now
        self.validated_at = self.ctx.clamp(self.at)

    def _lead(self, step: Step) -> None:
        status, reason = step.args
        conversation = self._fresh()
        if conversation.lead is None:
            raise StoryError(f"{self.story.key}: no lead to move")
        lead_set_status(actor=self._actor(), lead=conversation.lead, status=status, lost_reason=reason)
        if status in ("won", "lost"):
            self.lead_closed_at = self.ctx.clamp(self.at)

    def _tags(self, step: Step) -> None:
        conversation_set_tags(actor=self._actor(), conversation=self._fresh(), names=list(step.args))

    def _status(self, step: Step) -> None:
        status = step.args[0]
        until = self.ctx.now + timedelta(hours=step.options["hours"]) if status == "snoozed" else None
        actor, conversation = self._actor(), self._fresh()
        if status == "resolved":
            conversation_mark_read(actor=actor, conversation=conversation)
        conversation_set_status(actor=actor, conversation=conversation, status=status, snoozed_until=until)

    def _read(self, step: Step) -> None:
        conversation_mark_read(actor=self._actor(), conversation=self._fresh())

    def _followup(self, step: Step) -> None:
        local_now = timezone.localtime(timezone.now())
        due = local_now.replace(hour=step.options["hour"], minute=0, second=0, microsecond=0)
        if due <= local_now + timedelta(minutes=10):  # that hour has passed: later today, if today has room
            end_of_day = local_now.replace(hour=23, minute=50, second=0, microsecond=0)
            due = min(local_now + timedelta(hours=2), max(end_of_day, local_now + timedelta(minutes=5)))
        followup = followup_schedule(actor=self._actor(), conversation=self._fresh(), due_at=due, text=step.args[0])
        self.followup_times[followup.pk] = self.ctx.clamp(self.at)
