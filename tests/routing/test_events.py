"""Routing reacts at once: a lead gone HOT in the AI step of a real inbound message, an escalation, a new
conversation (when its policy says so)."""

from __future__ import annotations

import pytest

from conversations.models import ChannelAccount, Conversation, WebhookEvent
from conversations.services.inbound import webhook_event_process
from leads.models import Lead
from notifications.models import Notification
from routing.models import Strategy
from routing.services import Reason, reason_label
from tests.automations.factories import emit
from tests.conftest import celery_eager
from tests.conversations.conftest import twilio_params
from tests.routing.conftest import make_policy, open_conversation

pytestmark = pytest.mark.django_db

HOT_TEXT = ("Hola, soy María Quispe, quiero contratar internet para mi casa de 200 megas, mi presupuesto es de "
            "120 soles, vivo en Miraflores, Av. Larco 1234")


@pytest.fixture
def twilio_number(team, settings, httpserver):  # type: ignore[no-untyped-def]
    """The Twilio number from the settings (the AI answers there), served by the team; sends accepted."""
    from werkzeug import Response

    from conversations.services.accounts import channel_accounts_sync_from_env

    settings.TWILIO_API_BASE_URL = httpserver.url_for("").rstrip("/")
    httpserver.expect_request(f"/2010-04-01/Accounts/AC{'1' * 32}/Messages.json", method="POST").respond_with_response(
        Response('{"sid": "SM' + "f" * 32 + '", "status": "queued"}', status=201, content_type="application/json"))
    channel_accounts_sync_from_env()
    ChannelAccount.objects.update(team=team)
    return ChannelAccount.objects.get(provider="twilio_whatsapp")


def test_a_lead_gone_hot_in_the_ai_step_of_an_inbound_message_is_assigned_when_that_step_returns(
        agents, team, twilio_number, post_twilio, django_capture_on_commit_callbacks):
    make_policy(team, strategy=Strategy.ROUND_ROBIN)
    assert post_twilio(twilio_params(Body=HOT_TEXT, ProfileName="María Quispe")).status_code == 200
    # The worker's step: the message is stored, announced, read by the AI (lead.hot), and routed, all before
    # webhook_event_process returns (the AI task runs in place, as in the embedded mode).
    with celery_eager(True), django_capture_on_commit_callbacks(execute=True):
        webhook_event_process(event_id=WebhookEvent.objects.get().pk)
    lead = Lead.objects.get()
    assert lead.classification == "HOT"
    conversation = Conversation.objects.get()
    assert conversation.assignee == agents[0] and conversation.priority == "high"
    notice = Notification.objects.get(user=agents[0], kind="routing.assigned")
    assert "María" in notice.title and notice.body == reason_label(Reason.HOT)
    lead.refresh_from_db()
    assert lead.assignee == agents[0]


def test_an_escalated_conversation_is_routed_at_high_priority(agents, number, team,
                                                             django_capture_on_commit_callbacks):
    make_policy(team, strategy=Strategy.LEAST_BUSY)
    conversation = open_conversation(number)
    emit(django_capture_on_commit_callbacks, "conversation.escalated", conversation_id=conversation.pk,
         reason="complaint")
    conversation.refresh_from_db()
    assert conversation.assignee == agents[0] and conversation.priority == "high"


def test_a_new_conversation_is_routed_only_when_the_policy_assigns_new_conversations(
        agents, number, team, django_capture_on_commit_callbacks):
    policy = make_policy(team, strategy=Strategy.ROUND_ROBIN)
    first = open_conversation(number)
    emit(django_capture_on_commit_callbacks, "conversation.created", conversation_id=first.pk)
    first.refresh_from_db()
    assert first.assignee is None
    policy.assign_new_conversations = True
    policy.save()
    emit(django_capture_on_commit_callbacks, "conversation.created", conversation_id=first.pk)
    first.refresh_from_db()
    assert first.assignee == agents[0] and first.priority == "normal"


def test_events_change_nothing_for_a_team_without_a_policy(agents, number, supervisor,
                                                          django_capture_on_commit_callbacks):
    conversation = open_conversation(number, classification="HOT")
    emit(django_capture_on_commit_callbacks, "lead.hot", lead_id=conversation.lead_id)
    emit(django_capture_on_commit_callbacks, "conversation.escalated", conversation_id=conversation.pk,
         reason="complaint")
    conversation.refresh_from_db()
    assert (conversation.assignee, conversation.priority) == (None, "normal")
    assert not Notification.objects.filter(kind__startswith="routing.").exists()
