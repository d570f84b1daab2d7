"""The agent's "AI suggestion" is the AI step's reply: same reading, same composition, same inputs."""

from __future__ import annotations

from decimal import Decimal

import pytest

from conversations.models import ChannelAccount, Conversation, Message
from conversations.services.assistant import conversation_suggest_reply, message_assist
from leads.models import Contact, Lead
from tests.operators.factories import ProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft_account() -> ChannelAccount:
    """The AI keeps its reply as a draft: what it would have sent, without the first-reply disclosure."""
    return ChannelAccount.objects.create(provider="twilio_whatsapp", name="WhatsApp Lima", account_ref="+14155238886",
                                         ai_mode=ChannelAccount.AIMode.DRAFT)


def conversation_for(account: ChannelAccount, *, name: str, lead: dict | None = None, **contact: object
                     ) -> Conversation:
    person = Contact.objects.create(name=name, phone="+51987654321", whatsapp_id="51987654321", **contact)
    return Conversation.objects.create(contact=person, channel_account=account,
                                       lead=Lead.objects.create(contact=person, **lead) if lead else None)


def customer_says(conversation: Conversation, *lines: str) -> str:
    """Each line through the AI step; the draft of the last one."""
    for line in lines:
        message = Message.objects.create(conversation=conversation, channel_account=conversation.channel_account,
                                         direction="in", sender="customer", status="received", text=line)
        assert message_assist(message_id=message.pk).state == "analyzed"
    return Conversation.objects.get(pk=conversation.pk).ai_draft


def suggestion(conversation: Conversation) -> str:
    return conversation_suggest_reply(conversation=Conversation.objects.get(pk=conversation.pk))


def test_suggestion_is_the_step_reply_when_the_zone_is_only_on_the_lead(draft_account):
    conversation = conversation_for(draft_account, name="María Quispe", lead={
        "service_type": "internet_home", "product_interest": "Internet hogar", "budget": Decimal("100"),
        "zone": "Miraflores"})
    draft = customer_says(conversation, "¿tienen cobertura de internet?")
    assert "Miraflores" in draft  # the lead's zone (the contact has none)
    assert suggestion(conversation) == draft


def test_suggestion_is_the_step_reply_for_a_wholesaler_asking_a_price(draft_account):
    ProductFactory(category="device", name="Galaxy A15 128 GB", price=Decimal("699.00"),
                   wholesale_price=Decimal("620.00"), stock=8)
    conversation = conversation_for(draft_account, name="Jorge Ramos", customer_type="wholesale", zone="Surco")
    draft = customer_says(conversation, "cuánto cuesta el galaxy a15?")
    assert "620" in draft
    assert suggestion(conversation) == draft


def test_suggestion_is_the_step_reply_for_a_follow_up_on_earlier_products(draft_account):
    ProductFactory(category="device", name="iPhone 15 128 GB", capacity_gb=128, price=Decimal("3799.00"), stock=3)
    ProductFactory(category="device", name="iPhone 15 256 GB", capacity_gb=256, price=Decimal("4299.00"), stock=3)
    conversation = conversation_for(draft_account, name="Ana Torres")
    draft = customer_says(conversation, "tienen el iphone 15?", "y cuánto está el de 256?")
    assert "4,299" in draft and "3,799" not in draft  # narrowed to the 256 GB one named in the earlier turn
    assert suggestion(conversation) == draft


def test_suggestion_is_the_step_reply_when_the_name_came_in_the_message(draft_account):
    conversation = conversation_for(draft_account, name="📱")
    draft = customer_says(conversation, "hola, me llamo Rosa, quiero un plan móvil")
    assert "Rosa" in draft
    assert suggestion(conversation) == draft


def test_suggestion_is_the_step_hand_over_after_two_unsure_turns(draft_account):
    conversation = conversation_for(draft_account, name="Luis Flores")
    customer_says(conversation, "xq wrt")
    draft = customer_says(conversation, "zzk pfff")
    assert Conversation.objects.get(pk=conversation.pk).needs_human  # the second unsure turn: a person
    assert suggestion(conversation) == draft


def test_suggestion_reads_a_burst_the_step_has_not_reached_yet(draft_account):
    conversation = conversation_for(draft_account, name="María Quispe")
    for line in ("Hola", "quiero internet para mi casa"):
        Message.objects.create(conversation=conversation, channel_account=draft_account, direction="in",
                               sender="customer", status="received", text=line)
    suggested = suggestion(conversation)
    last = Message.objects.filter(direction="in").order_by("pk").last()
    assert message_assist(message_id=last.pk).state == "analyzed"
    assert suggested == Conversation.objects.get(pk=conversation.pk).ai_draft
