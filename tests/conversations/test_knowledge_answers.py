"""The knowledge base through the signed Twilio webhook: the customer gets the shop's own answer, word for
word; a policy nobody wrote down goes to a person instead of a guess; an entry switched off or edited in
admin changes the next answer; the agent's suggestion carries the same answer."""

from __future__ import annotations

import itertools

import pytest
from werkzeug import Response

from ai.models import KnowledgeEntry
from ai.replies import KNOWLEDGE_FOLLOW_UP, policy_unknown
from conversations.models import Conversation, Message
from tests.conversations.conftest import drain, twilio_params

pytestmark = pytest.mark.django_db
_sids = itertools.count(1)

DELIVERY = ("¡Sí! 🚚 En Lima Metropolitana el delivery llega en 24 a 48 horas hábiles. A provincias enviamos por "
            "Olva Courier o Shalom, en 2 a 5 días hábiles según la ciudad.")
WARRANTY = "Todos nuestros celulares tienen 12 meses de garantía de fábrica 🛡️ contra fallas de fabricación."
PAYMENT = "Puedes pagar con Yape, Plin, tarjetas de crédito o débito, transferencia o en efectivo en la tienda 💳."


@pytest.fixture
def twilio_api(httpserver, settings):
    settings.TWILIO_API_BASE_URL = httpserver.url_for("").rstrip("/")

    def accept(_request):
        return Response(f'{{"sid": "SMk{next(_sids):031d}", "status": "queued"}}', status=201,
                        content_type="application/json")

    httpserver.expect_request("/2010-04-01/Accounts/AC" + "1" * 32 + "/Messages.json",
                              method="POST").respond_with_handler(accept)
    return httpserver


@pytest.fixture
def say(post_twilio, twilio_api):
    """The customer writes on WhatsApp; returns the text the shop sent back (as the fake Twilio got it)."""

    def _say(text: str) -> str:
        before = len(twilio_api.log)
        post_twilio(twilio_params(MessageSid=f"SMK{next(_sids):031d}", Body=text, ProfileName="🌸"))
        drain()
        sent = [request.form["Body"] for request, _ in twilio_api.log[before:]]
        assert sent, f"no reply to {text!r}"
        return sent[0]

    return _say


@pytest.fixture
def shop() -> dict[str, KnowledgeEntry]:
    return {
        "delivery": KnowledgeEntry.objects.create(topic="delivery", question="¿Hacen delivery a provincias?",
                                                  answer=DELIVERY, keywords="delivery, envío, despacho, provincia"),
        "payment": KnowledgeEntry.objects.create(topic="payment", question="¿Qué medios de pago aceptan?",
                                                 answer=PAYMENT, keywords="yape, plin, tarjeta, efectivo"),
    }


def needs_human() -> bool:
    return Conversation.objects.get().needs_human


def test_a_customer_asking_for_delivery_to_arequipa_gets_the_shops_delivery_answer(say, shop):
    reply = say("¿tienen delivery a Arequipa?")
    assert reply.endswith(f"{DELIVERY}\n\n{KNOWLEDGE_FOLLOW_UP}")  # word for word (after the first-reply hello)
    assert not needs_human()
    stored = Message.objects.filter(direction="out").order_by("pk").first()
    assert stored.sender == "ai" and DELIVERY in stored.text


def test_a_policy_question_with_no_entry_is_not_answered_with_invented_policy(say, shop):
    reply = say("¿cuánto tiempo de garantía tienen los celulares?")
    assert reply.endswith(policy_unknown(None))
    assert "meses" not in reply and "año" not in reply  # no made-up term
    assert needs_human()  # a person confirms it
    conversation = Conversation.objects.get()
    assert conversation.priority == Conversation.Priority.HIGH


def test_an_inactive_entry_is_not_used_and_switching_it_on_is_seen_at_once(say, shop):
    warranty = KnowledgeEntry.objects.create(topic="warranty", question="¿Los equipos tienen garantía?",
                                             answer=WARRANTY, keywords="garantía", is_active=False)
    first = say("los celulares tienen garantía?")
    assert WARRANTY not in first and first.endswith(policy_unknown(None))

    warranty.is_active = True
    warranty.save()  # as the admin's list does
    Conversation.objects.update(needs_human=False)  # the advisor answered and gave the chat back
    second = say("y la garantía de cuánto es?")
    assert second == f"{WARRANTY}\n\n{KNOWLEDGE_FOLLOW_UP}"


def test_an_edited_answer_is_the_next_answer(say, shop):
    say("aceptan yape?")
    payment = shop["payment"]
    payment.answer = "Solo Yape y efectivo por ahora 💵."
    payment.save()  # a supervisor's edit in admin, seen by every process through the entries' version
    assert say("y se puede pagar con plin?").startswith("Solo Yape y efectivo por ahora 💵.")


def test_the_agents_suggestion_carries_the_same_answer(say, shop, api_client_for, agent):
    reply = say("¿hacen envíos a Cusco?")
    conversation = Conversation.objects.get()
    Conversation.objects.filter(pk=conversation.pk).update(assignee=agent)
    response = api_client_for(agent).post(f"/api/v1/conversations/{conversation.pk}/suggest-reply/")
    assert response.status_code == 200
    suggestion = response.json()["text"]
    assert suggestion == f"{DELIVERY}\n\n{KNOWLEDGE_FOLLOW_UP}"
    assert reply.endswith(suggestion)
