"""Agents teach the AI (issue 20, item 2): in the panel's AI reading card an agent or supervisor corrects the
intent the AI read in a customer's message; the correction is kept for ``train_intents``, shown in the card and
in admin, and whoever has the conversation open sees it change."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command

from accounts.models import AuditEntry, AuditKind
from ai.local import learned
from ai.local.analyzer import analyze
from ai.models import IntentCorrection
from conversations.models import ConversationEvent, Message
from tests.panel.conftest import add_message

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def _audited(message: Message):  # type: ignore[no-untyped-def]
    return AuditEntry.objects.filter(content_type=ContentType.objects.get_for_model(Message), object_id=message.pk,
                                     kind=AuditKind.UPDATE)


def _read(conversation, text: str = "el router no prende desde ayer y nadie me responde, pésimo servicio",
          intent: str = "product_query", **fields) -> Message:  # type: ignore[no-untyped-def]
    """A customer's message as the AI step leaves it: its reading in ``intent`` and ``ai_flags``."""
    fields.setdefault("ai_flags", {"analyzed": True, "confidence": 0.41, "entities": {}})
    return add_message(conversation, text=text, intent=intent, sentiment="negative", **fields)


def _correct(client, message: Message, intent: str, **headers):  # type: ignore[no-untyped-def]
    return client.post(f"/panel/c/{message.conversation_id}/m/{message.pk}/intent/", {"intent": intent},
                       headers={**HTMX, **headers})


def test_an_agent_corrects_the_intent_in_the_reading_card_and_it_is_kept_for_training(client, agent,
                                                                                      make_conversation):
    conversation = make_conversation(assignee=agent)
    message = _read(conversation)
    client.force_login(agent)

    page = client.get(f"/panel/c/{conversation.pk}/details/", headers=HTMX).content.decode()  # after the page
    card = page.split('id="ai-reading"')[1].split('id="sidebar-history"')[0]
    assert f'action="/panel/c/{conversation.pk}/m/{message.pk}/intent/"' in card
    assert card.count("<option ") == 14 and ">Reclamo</option>" in card  # the 14 intents, in Spanish

    response = _correct(client, message, "complaint")

    assert response.status_code == 200
    card = response.content.decode()
    assert 'id="ai-reading"' in card
    assert 'data-intent="complaint"' in card and ">Reclamo</span>" in card
    assert 'id="ai-intent-corrected"' in card and str(agent) in card.split('id="ai-intent-corrected"')[1]
    assert 'id="intent-saved"' in card
    correction = IntentCorrection.objects.get()
    assert (correction.message_id, correction.intent, correction.predicted_intent, correction.corrected_by) == (
        message.pk, "complaint", "product_query", agent)
    assert correction.text == message.text
    message.refresh_from_db()
    assert message.intent == "complaint"
    assert message.ai_flags["intent_corrected_by"] == agent.pk and message.ai_flags["analyzed"] is True

    # The page opened later shows the person's reading and who gave it.
    page = client.get(f"/panel/c/{conversation.pk}/details/", headers=HTMX).content.decode()  # after the page
    card = page.split('id="ai-reading"')[1].split('id="sidebar-history"')[0]
    assert 'data-intent="complaint"' in card and str(agent) in card.split('id="ai-intent-corrected"')[1]
    assert '<option value="complaint" selected>' in card


def test_other_open_panels_hear_the_change_and_the_audit_log_keeps_who_changed_what(client, agent,
                                                                                    make_conversation):
    conversation = make_conversation(assignee=agent)
    message = _read(conversation)
    client.force_login(agent)

    _correct(client, message, "support_issue")

    event = ConversationEvent.objects.filter(conversation=conversation).order_by("-seq").first()
    assert (event.type, event.data["id"], event.data["direction"]) == ("message.updated", message.pk, "in")
    # The card an open panel fetches again on that event.
    card = client.get(f"/panel/c/{conversation.pk}/reading/", headers=HTMX).content.decode()
    assert 'data-intent="support_issue"' in card and 'id="ai-intent-corrected"' in card
    entry = _audited(message).get()
    assert entry.actor == agent and entry.changes == {"intent": ["product_query", "support_issue"]}
    assert entry.team_id == agent.team_id and message.text not in entry.object_repr  # no customer words


def test_an_agent_cannot_correct_another_agents_conversation(client, agent, other_agent, make_conversation):
    theirs = make_conversation(assignee=other_agent)
    message = _read(theirs)
    client.force_login(agent)

    assert _correct(client, message, "complaint").status_code == 404
    assert client.get(f"/panel/c/{theirs.pk}/reading/").status_code == 404
    assert not IntentCorrection.objects.exists()
    message.refresh_from_db()
    assert message.intent == "product_query" and "intent_corrected_by" not in message.ai_flags


def test_a_supervisor_corrects_their_teams_conversations_only(client, supervisor, agent, other_agent,
                                                             make_conversation):
    ours = _read(make_conversation(assignee=agent))
    theirs = _read(make_conversation(name="Pedro Soto", assignee=other_agent))
    client.force_login(supervisor)

    assert _correct(client, ours, "complaint").status_code == 200
    assert _correct(client, theirs, "complaint").status_code == 404
    assert list(IntentCorrection.objects.values_list("message_id", "corrected_by")) == [(ours.pk, supervisor.pk)]


def test_back_office_only_reads_the_card(client, backoffice, agent, make_conversation):
    conversation = make_conversation(assignee=agent)
    message = _read(conversation)
    client.force_login(backoffice)

    page = client.get(f"/panel/c/{conversation.pk}/details/", headers=HTMX).content.decode()
    assert 'id="ai-reading"' in page and 'id="intent-form"' not in page
    assert _correct(client, message, "complaint").status_code == 403
    assert not IntentCorrection.objects.exists()


def test_an_unknown_intent_is_refused_with_a_clear_error_and_nothing_is_stored(client, agent, make_conversation):
    conversation = make_conversation(assignee=agent)
    message = _read(conversation)
    client.force_login(agent)

    response = _correct(client, message, "angry_customer")

    assert response.status_code == 400
    error = response.content.decode().split('id="intent-error"')[1].split("</div>")[0]
    assert "angry_customer" in error
    assert not IntentCorrection.objects.exists()
    message.refresh_from_db()
    assert message.intent == "product_query"
    assert not _audited(message).exists()

    # Without htmx (no JavaScript), back to the conversation with the error as a message.
    response = client.post(f"/panel/c/{conversation.pk}/m/{message.pk}/intent/", {"intent": ""}, follow=True)
    assert response.redirect_chain[-1][0] == f"/panel/c/{conversation.pk}/"
    assert not IntentCorrection.objects.exists()


def test_our_own_messages_have_no_intent_to_correct(client, agent, make_conversation):
    conversation = make_conversation(assignee=agent)
    _read(conversation)
    reply = add_message(conversation, direction="out", sender="ai", status="sent", text="¿Me das tu DNI?")
    client.force_login(agent)

    response = _correct(client, reply, "complaint")

    assert response.status_code == 400
    assert 'id="intent-error"' in response.content.decode()
    assert not IntentCorrection.objects.exists()
    reply.refresh_from_db()
    assert reply.intent == ""


def test_a_second_correction_updates_the_same_row_and_keeps_what_the_ai_read(client, agent, supervisor,
                                                                            make_conversation):
    conversation = make_conversation(assignee=agent)
    message = _read(conversation)
    client.force_login(agent)
    _correct(client, message, "complaint")
    client.force_login(supervisor)

    response = _correct(client, message, "support_issue")

    assert response.status_code == 200
    correction = IntentCorrection.objects.get()
    assert (correction.intent, correction.predicted_intent, correction.corrected_by) == (
        "support_issue", "product_query", supervisor)
    assert str(supervisor) in response.content.decode().split('id="ai-intent-corrected"')[1]
    message.refresh_from_db()
    assert message.intent == "support_issue" and message.ai_flags["intent_corrected_by"] == supervisor.pk


def test_a_burst_read_as_one_turn_is_learnt_as_the_words_the_ai_read(client, agent, make_conversation):
    conversation = make_conversation(assignee=agent)
    first = add_message(conversation, text="hola")
    second = add_message(conversation, text="compré un celular la semana pasada")
    last = _read(conversation, text="y ya no carga, quiero que me lo cambien", intent="greeting",
                 ai_flags={"analyzed": True, "burst": [first.pk, second.pk]})
    client.force_login(agent)

    _correct(client, last, "complaint")

    assert IntentCorrection.objects.get().text == (
        "hola\ncompré un celular la semana pasada\ny ya no carga, quiero que me lo cambien")


def test_the_api_corrects_the_intent_of_a_message(api_client_for, agent, other_agent, make_conversation):
    conversation = make_conversation(assignee=agent)
    message = _read(conversation)
    api = api_client_for(agent)
    url = f"/api/v1/conversations/{conversation.pk}/messages/{message.pk}/intent/"

    bad = api.post(url, {"intent": "rant"}, format="json")
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_intent"
    assert not IntentCorrection.objects.exists()

    response = api.post(url, {"intent": "complaint"}, format="json")
    assert response.status_code == 200
    assert response.json()["intent"] == "complaint" and response.json()["ai"]["intent_corrected_by"] == agent.pk
    assert IntentCorrection.objects.get().corrected_by == agent
    assert api_client_for(other_agent).post(url, {"intent": "other"}, format="json").status_code == 404


def test_admin_lists_the_corrections_a_supervisor_may_see(client, supervisor, agent, other_agent,
                                                         make_conversation):
    ours = _read(make_conversation(assignee=agent), text="me cobraron dos veces el recibo")
    theirs = _read(make_conversation(name="Pedro Soto", assignee=other_agent), text="quiero hablar con alguien")
    client.force_login(agent)
    _correct(client, ours, "complaint")
    client.force_login(other_agent)
    _correct(client, theirs, "human_request")
    client.force_login(supervisor)

    html = client.get("/admin/ai/intentcorrection/").content.decode()

    assert "me cobraron dos veces el recibo" in html and "quiero hablar con alguien" not in html
    row = html.split("me cobraron dos veces el recibo")[1].split("</tr>")[0]
    assert "Pregunta de producto" in row and "Reclamo" in row and "crm-badge" in row and str(agent) in row
    assert "/admin/ai/intentcorrection/add/" not in html
    found = client.get("/admin/ai/intentcorrection/", {"q": "recibo", "intent": "complaint"}).content.decode()
    assert "me cobraron dos veces el recibo" in found
    none = client.get("/admin/ai/intentcorrection/", {"intent": "greeting"}).content.decode()
    assert "me cobraron dos veces el recibo" not in none
    other = IntentCorrection.objects.get(message_id=theirs.pk)
    assert client.get(f"/admin/ai/intentcorrection/{other.pk}/change/").status_code == 404
    mine = IntentCorrection.objects.get(message_id=ours.pk)
    detail = client.get(f"/admin/ai/intentcorrection/{mine.pk}/change/")
    assert detail.status_code == 200 and 'name="intent"' not in detail.content.decode()  # read-only
    # Agents have no admin.
    client.force_login(agent)
    assert client.get("/admin/ai/intentcorrection/").status_code in (302, 403)


@pytest.fixture
def deployment_model(settings, tmp_path):  # type: ignore[no-untyped-def]
    """``train_intents`` writes the deployment's model here; the process forgets it afterwards."""
    settings.INTENT_MODEL_PATH = str(tmp_path / "intent_model.joblib")
    learned.reload_model()
    yield tmp_path / "intent_model.joblib"
    learned.reload_model()


def test_an_agents_correction_changes_the_next_train_intents_model(client, agent, make_conversation,
                                                                  deployment_model):
    text = "oye el chip que me mandaron no agarra ni una rayita de señal en mi depa, ya van tres días así"
    shipped = learned.IntentModel.load(learned.SHIPPED_PATH)
    assert shipped is not None  # the model that ships, the one the corpus gives (train_intents --check)
    before = shipped.predict(text)
    taught = "support_issue" if before != "support_issue" else "complaint"
    assert analyze(text).intent != taught
    conversation = make_conversation(assignee=agent)
    message = _read(conversation, text=text, intent=before)
    client.force_login(agent)

    assert _correct(client, message, taught).status_code == 200
    call_command("train_intents", "--folds", "0", stdout=StringIO())

    retrained = learned.IntentModel.load(deployment_model)
    assert retrained is not None and retrained.metadata["corrections"] == 1
    assert retrained.predict(text) == taught != before
    # The running process reads with the retrained model from then on: the AI's next reading of those words.
    assert learned.current_model().predict(text) == taught
    assert analyze(text).intent == taught
