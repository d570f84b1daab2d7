"""The AI step through the real webhook path: qualification over several turns, grounded answers, hand-over."""

import itertools
from decimal import Decimal

import pytest
from werkzeug import Response

from ai.models import AIRequest
from conversations.models import Conversation, Message, WebhookEvent
from conversations.services.inbound import webhook_event_process
from leads.models import Lead
from tests.conversations.conftest import drain, twilio_params
from tests.operators.factories import OperatorFactory, ProductFactory

pytestmark = pytest.mark.django_db
_sids = itertools.count(1)


@pytest.fixture
def twilio_api(httpserver, settings):
    settings.TWILIO_API_BASE_URL = httpserver.url_for("").rstrip("/")

    def accept(_request):
        return Response(f'{{"sid": "SMf{next(_sids):031d}", "status": "queued"}}', status=201,
                        content_type="application/json")

    httpserver.expect_request("/2010-04-01/Accounts/AC" + "1" * 32 + "/Messages.json",
                              method="POST").respond_with_handler(accept)
    return httpserver


@pytest.fixture
def say(post_twilio):
    counter = itertools.count(1)

    def _say(text: str, name: str = "🌸") -> Message:
        post_twilio(twilio_params(MessageSid=f"SM{next(counter):032d}", Body=text, ProfileName=name))
        drain()
        return Message.objects.filter(direction="out").order_by("-pk").first()

    return _say


def sent_texts(server) -> list[str]:
    return [request.form["Body"] for request, _response in server.log]


def test_greeting_interest_name_budget_end_in_a_scored_lead(say, twilio_api):
    first = say("Hola buenas tardes")
    assert first is not None and first.sender == "ai"
    assert not Lead.objects.exists()  # a hello is not a lead yet
    say("quiero internet para mi casa")
    assert Lead.objects.count() == 1
    say("me llamo María Quispe")
    say("mi presupuesto es de 100 soles")
    lead = Lead.objects.get()
    contact = lead.contact
    assert contact.name == "María Quispe"
    assert lead.service_type == "internet_home"
    assert lead.budget == Decimal("100")
    assert lead.currency == "PEN"
    assert (lead.score, lead.classification) == (60, "WARM")  # interest 30 + budget 25 + conversation 5
    assert lead.next_action and lead.next_action_at
    reasons = lead.ai_analysis["reasons"]
    assert sum(r["delta"] for r in reasons) == 60
    assert Conversation.objects.get().lead == lead
    texts = sent_texts(twilio_api)
    assert len(texts) == 4
    assert "asistente" in texts[0].lower()  # the first automated reply says it is a virtual assistant
    assert "zona" in texts[-1].lower() or "distrito" in texts[-1].lower()  # coverage matters: asks the zone
    assert AIRequest.objects.filter(purpose="analysis", provider="local").count() == 4


def test_product_question_lists_catalog_products_with_their_real_prices(say, twilio_api):
    claro = OperatorFactory(name="Claro", slug="claro")
    ProductFactory(operator=claro, category="internet_home", name="Internet Hogar 200 Mbps Claro",
                   speed_mbps=200, price=Decimal("119.00"))
    ProductFactory(operator=claro, category="internet_home", name="Internet Hogar 100 Mbps Claro",
                   speed_mbps=100, price=Decimal("89.00"))
    reply = say("cuanto cuesta el internet de 200 megas de claro?", name="Luis Flores")
    assert reply is not None
    assert "119" in reply.text
    assert "89" not in reply.text.replace("119", "")


def test_complaint_hands_over_to_a_person(say, twilio_api):
    reply = say("Pésimo servicio!! nadie me responde, quiero poner un reclamo 😡", name="Rosa Quispe")
    conversation = Conversation.objects.get()
    assert conversation.needs_human
    assert conversation.priority == "urgent"
    assert reply is not None and ("persona" in reply.text.lower() or "equipo" in reply.text.lower())
    # once a person is needed the AI stops answering by itself: next turns only draft
    say("hola??", name="Rosa Quispe")
    assert Message.objects.filter(direction="out").count() == 1
    assert Conversation.objects.get().ai_draft


def _lines(post_twilio, *texts: str, name: str = "🌸") -> None:
    """The customer's lines reach the webhook before the AI step has run for any of them (a burst)."""
    for text in texts:
        post_twilio(twilio_params(MessageSid=f"SMB{next(_sids):031d}", Body=text, ProfileName=name))


def test_a_burst_of_lines_gets_one_answer_that_reads_them_all(post_twilio, twilio_api):
    _lines(post_twilio, "Hola buenas", "me llamo María Quispe", "quiero internet para mi casa")
    counts = drain()
    assert counts["assisted"] == 1
    texts = sent_texts(twilio_api)
    assert len(texts) == 1  # one answer, not three
    first, second, last = Message.objects.filter(direction="in").order_by("pk")
    assert last.ai_flags["burst"] == [first.pk, second.pk]
    assert not (first.ai_flags or {}).get("analyzed") and not (second.ai_flags or {}).get("analyzed")
    lead = Lead.objects.get()
    assert lead.service_type == "internet_home"  # from the last line
    assert lead.contact.name == "María Quispe"  # from a line the step never answered alone
    assert "María" in texts[0]
    assert AIRequest.objects.filter(purpose="analysis").count() == 1


def test_lines_already_answered_are_not_read_again(say, post_twilio, twilio_api):
    say("Hola buenas")
    _lines(post_twilio, "quiero internet para mi casa", "mi presupuesto es de 100 soles")
    drain()
    assert len(sent_texts(twilio_api)) == 2
    _hello, interest, budget = Message.objects.filter(direction="in").order_by("pk")
    assert budget.ai_flags["burst"] == [interest.pk]
    lead = Lead.objects.get()
    assert (lead.service_type, lead.budget) == ("internet_home", Decimal("100"))


def test_a_line_that_comes_while_the_step_waits_takes_over_the_answer(post_twilio, twilio_api):
    from conversations.services.assistant import message_assist

    _lines(post_twilio, "Hola, me llamo María Quispe")
    for event_id in WebhookEvent.objects.values_list("pk", flat=True):
        webhook_event_process(event_id=event_id)
    first = Message.objects.get(direction="in")
    paused: list[int] = []

    def pause(message: Message) -> float:  # the inbound queue was behind; meanwhile she wrote again
        paused.append(message.pk)
        _lines(post_twilio, "quiero internet para mi casa")
        for event_id in WebhookEvent.objects.filter(state="received").values_list("pk", flat=True):
            webhook_event_process(event_id=event_id)
        return 1.5

    assert message_assist(message_id=first.pk, pause=pause).state == "superseded"
    assert paused == [first.pk]
    assert not sent_texts(twilio_api)
    drain()
    texts = sent_texts(twilio_api)
    assert len(texts) == 1 and "María" in texts[0]
    assert Message.objects.filter(direction="in").order_by("pk").last().ai_flags["burst"] == [first.pk]


def test_the_step_does_not_wait_for_a_line_it_will_not_answer(post_twilio, twilio_api):
    from conversations.services.assistant import message_assist

    _lines(post_twilio, "Hola", "quiero internet para mi casa")
    for event_id in WebhookEvent.objects.values_list("pk", flat=True):
        webhook_event_process(event_id=event_id)
    first, second = Message.objects.filter(direction="in").order_by("pk")
    paused: list[int] = []
    assert message_assist(message_id=first.pk, pause=lambda m: paused.append(m.pk) or 0.0).state == "superseded"
    assert message_assist(message_id=second.pk, pause=lambda m: paused.append(m.pk) or 0.0).state == "analyzed"
    assert paused == [second.pk]  # only the line that gets the answer waited


def test_a_line_an_agent_answered_does_not_join_the_next_burst(post_twilio, twilio_api, agent):
    from conversations.services.outbound import message_send

    _lines(post_twilio, "quiero un reclamo por mi recibo")
    for event_id in WebhookEvent.objects.values_list("pk", flat=True):  # the worker ran, the AI step not yet
        webhook_event_process(event_id=event_id)
    conversation = Conversation.objects.get()
    message_send(conversation=conversation, text="Hola, soy Carla, ya lo reviso", actor=agent)
    _lines(post_twilio, "gracias")
    drain()
    complaint, thanks = Message.objects.filter(direction="in").order_by("pk")
    assert not (complaint.ai_flags or {}).get("analyzed")  # a person answered it: the AI leaves it
    assert "burst" not in thanks.ai_flags and thanks.ai_flags["analyzed"]


def test_draft_mode_keeps_the_reply_for_an_agent(say, twilio_api):
    from conversations.models import ChannelAccount

    say("Hola", name="Ana Torres")
    ChannelAccount.objects.update(ai_mode="draft")
    say("tienen el iphone 15?", name="Ana Torres")
    assert Message.objects.filter(direction="out").count() == 1
    assert Conversation.objects.get().ai_draft


def test_off_mode_analyses_but_never_answers(say, twilio_api):
    from conversations.models import ChannelAccount

    say("Hola", name="Ana Torres")
    ChannelAccount.objects.update(ai_mode="off")
    Message.objects.filter(direction="out").delete()
    say("quiero un plan movil de 20 gb", name="Ana Torres")
    assert not Message.objects.filter(direction="out").exists()
    assert Message.objects.filter(direction="in").last().intent


def test_statuses_and_echoes_never_trigger_a_reply(post_meta, twilio_api):
    from tests.conversations.conftest import IG_ACCOUNT

    post_meta({"object": "instagram", "entry": [{"id": IG_ACCOUNT, "time": 1, "messaging": [{
        "sender": {"id": IG_ACCOUNT}, "recipient": {"id": "IGSID5"}, "timestamp": 1763800060000,
        "message": {"mid": "mid.echo5", "text": "Hola, ¿en qué te ayudo?", "is_echo": True}}]}]},
        path="/webhooks/meta/instagram/")
    drain()
    assert Message.objects.count() == 1 and Message.objects.get().is_echo
    assert not AIRequest.objects.exists()


def _voice_note(post_twilio, server, sid: str) -> None:
    server.expect_request(f"/Media/{sid}").respond_with_data(b"OggS fake voice", content_type="audio/ogg")
    post_twilio(twilio_params(MessageSid="MM" + sid.rjust(32, "0"), Body="", NumMedia="1", MessageType="audio",
                              MediaUrl0=server.url_for(f"/Media/{sid}"), MediaContentType0="audio/ogg",
                              ProfileName="Carla Ríos"))


def test_voice_note_is_transcribed_then_analysed_like_text(post_twilio, twilio_api, settings):
    settings.AI_PROVIDER = "openai"
    settings.OPENAI_API_KEY = "sk-test"
    settings.OPENAI_BASE_URL = twilio_api.url_for("/v1")
    twilio_api.expect_request("/v1/audio/transcriptions", method="POST").respond_with_json(
        {"text": "hola quiero un plan movil de 20 gigas", "duration": 4.2, "language": "spanish"})
    # analysis by the provider fails (no chat endpoint here): the local rules take over
    _voice_note(post_twilio, twilio_api, "ME55")
    drain()
    note = Message.objects.get(direction="in")
    assert (note.type, note.media_state) == ("audio", "stored")
    assert note.text == "hola quiero un plan movil de 20 gigas"
    assert note.ai_flags["transcription"] == "done" and note.intent
    assert Lead.objects.get().service_type == "mobile"
    assert AIRequest.objects.filter(purpose="transcription", outcome="ok").exists()


def test_voice_note_without_a_provider_waits_for_a_person(post_twilio, twilio_api):
    _voice_note(post_twilio, twilio_api, "ME56")
    drain()
    note = Message.objects.get(direction="in")
    assert note.ai_flags["transcription"] == "pending"
    assert note.media_state == "stored"  # an agent can listen to it
    assert not Message.objects.filter(direction="out").exists()


def test_a_status_callback_never_triggers_a_reply(post_twilio, twilio_api):
    post_twilio({"MessageSid": "SM" + "7" * 32, "AccountSid": "AC" + "1" * 32, "From": "whatsapp:+14155238886",
                 "To": "whatsapp:+51987654321", "MessageStatus": "delivered"}, path="/webhooks/twilio/status/")
    drain()
    assert not Message.objects.exists() and not AIRequest.objects.exists()


def test_agent_asks_for_a_suggested_reply_and_a_summary(say, twilio_api, api_client_for, agent):
    say("hola, tienen el plan de 20 gb de entel?", name="Pedro Ruiz")
    conversation = Conversation.objects.get()
    Conversation.objects.filter(pk=conversation.pk).update(assignee=agent)
    client = api_client_for(agent)
    before = Message.objects.filter(direction="out").count()
    suggestion = client.post(f"/api/v1/conversations/{conversation.pk}/suggest-reply/")
    assert suggestion.status_code == 200 and suggestion.json()["text"]
    assert Message.objects.filter(direction="out").count() == before  # nothing was sent
    summary = client.get(f"/api/v1/conversations/{conversation.pk}/summary/").json()["summary"]
    assert "20 gb" in summary.lower()
