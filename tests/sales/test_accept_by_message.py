"""A customer's "sí, lo quiero" on the real webhook path turns the sent quote into a sale."""

import pytest

from conversations.models import Message
from sales.models import Quote, Sale
from sales.services.quotes import is_affirmative, quote_create, quote_send
from tests.sales.conftest import drain, wa_payload, wa_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent_quote(graph, conversation, agent, phone, django_capture_on_commit_callbacks):
    quote = quote_create(actor=agent, contact=conversation.contact, conversation=conversation,
                         lines=[{"product": phone, "quantity": 1}])
    with django_capture_on_commit_callbacks(execute=True):
        quote_send(actor=agent, quote=quote)
    drain()
    return quote


def customer_says(post_meta, capture, wamid: str, text: str = "", button: str = "") -> None:
    if button:
        message = {"from": "51987654321", "id": wamid, "timestamp": wa_text(wamid)["timestamp"],
                   "type": "interactive", "interactive": {"type": "button_reply",
                                                          "button_reply": {"id": button, "title": "Aceptar"}}}
    else:
        message = wa_text(wamid, text)
    assert post_meta(wa_payload(message)).status_code == 200
    with capture(execute=True):
        drain()
    drain()  # sends queued by the hook (already sent where tasks run in process)


@pytest.mark.parametrize("text", ["sí, lo quiero", "Acepto", "dale 👍", "Ok, de acuerdo", "SIII gracias"])
def test_customer_yes_accepts_the_sent_quote_and_creates_the_sale(sent_quote, post_meta, text,
                                                                   django_capture_on_commit_callbacks):
    customer_says(post_meta, django_capture_on_commit_callbacks, "wamid.YES", text)
    quote = Quote.objects.get(pk=sent_quote.pk)
    assert quote.status == Quote.Status.ACCEPTED
    sale = Sale.objects.get(quote=quote)
    assert (sale.total, sale.agent_id, sale.status) == (quote.total, quote.agent_id, "pending_validation")
    confirmation = Message.objects.filter(direction="out", sender="system").latest("pk")
    assert sale.number in confirmation.text and confirmation.status == "sent"


def test_a_redelivered_yes_creates_one_sale(sent_quote, post_meta, django_capture_on_commit_callbacks):
    customer_says(post_meta, django_capture_on_commit_callbacks, "wamid.YES", "sí, lo quiero")
    customer_says(post_meta, django_capture_on_commit_callbacks, "wamid.YES", "sí, lo quiero")  # same id
    customer_says(post_meta, django_capture_on_commit_callbacks, "wamid.YES2", "dale")  # nothing pending now
    assert Sale.objects.count() == 1


def test_button_payload_accepts_that_quote(sent_quote, post_meta, django_capture_on_commit_callbacks):
    customer_says(post_meta, django_capture_on_commit_callbacks, "wamid.BTN", button=f"quote_accept:{sent_quote.pk}")
    assert Quote.objects.get(pk=sent_quote.pk).status == Quote.Status.ACCEPTED
    assert Sale.objects.filter(quote=sent_quote).exists()


@pytest.mark.parametrize("text", ["¿sí tienen en negro?", "no, gracias", "sí pero quiero otro color",
                                  "Hola, ¿cuánto cuesta?", "dale, pero el plan de 60 soles"])
def test_anything_but_a_short_yes_leaves_the_quote_pending(sent_quote, post_meta, text,
                                                           django_capture_on_commit_callbacks):
    customer_says(post_meta, django_capture_on_commit_callbacks, "wamid.MAYBE", text)
    assert Quote.objects.get(pk=sent_quote.pk).status == Quote.Status.PENDING
    assert not Sale.objects.exists()


def test_yes_with_two_pending_quotes_accepts_neither(sent_quote, conversation, agent, phone, post_meta,
                                                     django_capture_on_commit_callbacks):
    other = quote_create(actor=agent, contact=conversation.contact, conversation=conversation,
                         lines=[{"product": phone, "quantity": 2}])
    with django_capture_on_commit_callbacks(execute=True):
        quote_send(actor=agent, quote=other)
    customer_says(post_meta, django_capture_on_commit_callbacks, "wamid.YES", "sí")
    assert set(Quote.objects.values_list("status", flat=True)) == {"pending"}


def test_yes_to_a_quote_never_sent_accepts_nothing(conversation, agent, phone, post_meta, graph,
                                                   django_capture_on_commit_callbacks):
    quote = quote_create(actor=agent, contact=conversation.contact, conversation=conversation,
                         lines=[{"product": phone, "quantity": 1}])
    customer_says(post_meta, django_capture_on_commit_callbacks, "wamid.YES", "acepto")
    assert Quote.objects.get(pk=quote.pk).status == Quote.Status.PENDING


def test_button_for_another_customers_quote_accepts_nothing(sent_quote, agent, phone, post_meta,
                                                            django_capture_on_commit_callbacks):
    from tests.leads.factories import ContactFactory

    stranger = quote_create(actor=agent, contact=ContactFactory(), lines=[{"product": phone, "quantity": 1}])
    customer_says(post_meta, django_capture_on_commit_callbacks, "wamid.BTN", button=f"quote_accept:{stranger.pk}")
    assert Quote.objects.get(pk=stranger.pk).status == Quote.Status.PENDING


@pytest.mark.parametrize(("text", "expected"), [
    ("Sí", True), ("si lo quiero", True), ("ACEPTO!", True), ("dale nomás", False), ("", False),
    ("sí?", False), ("no", False), ("ok", True), ("quiero saber el precio", False),
])
def test_is_affirmative(text, expected):
    assert is_affirmative(text) is expected



def test_the_assistant_does_not_answer_a_yes_that_accepted_a_quote(sent_quote, conversation, post_meta,
                                                                    django_capture_on_commit_callbacks):
    """The inbound hook (what the inbound worker runs) accepts the quote and keeps the AI out of it."""
    from conversations.models import ChannelAccount, Conversation, WebhookEvent
    from conversations.services.inbound import webhook_event_process
    from tests.conversations.conftest import assist_pending

    ChannelAccount.objects.update(ai_mode=ChannelAccount.AIMode.AUTO)
    Conversation.objects.update(assignee=None)  # nobody in charge: the assistant answers in auto mode

    def arrives(wamid: str, text: str) -> Message:
        assert post_meta(wa_payload(wa_text(wamid, text))).status_code == 200
        with django_capture_on_commit_callbacks(execute=True):
            for event_id in WebhookEvent.objects.filter(state="received").values_list("pk", flat=True):
                webhook_event_process(event_id=event_id)
        return Message.objects.get(provider_message_id=wamid)

    yes = arrives("wamid.YES", "sí, lo quiero")
    assert Sale.objects.filter(quote=sent_quote).exists()
    assist_pending()  # the ai queue, in case the hook's task was queued rather than run
    assert not (Message.objects.get(pk=yes.pk).ai_flags or {}).get("analyzed")
    question = arrives("wamid.Q2", "¿Cuánto cuesta el plan de 200 megas?")
    assist_pending()
    assert (Message.objects.get(pk=question.pk).ai_flags or {}).get("analyzed")
    after_yes = Message.objects.filter(direction="out", pk__gt=yes.pk, pk__lt=question.pk)
    assert list(after_yes.values_list("sender", flat=True)) == ["system"]  # the confirmation, no AI reply
