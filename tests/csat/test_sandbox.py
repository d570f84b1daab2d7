"""The sandbox phone (the demo): the survey goes out through the sandbox's client, and the option's title sent back
(what the page sends when a visitor picks an option) or a typed number is the rating."""

from __future__ import annotations

import pytest

from conversations.models import ChannelAccount, Conversation, WebhookEvent
from conversations.services.accounts import channel_accounts_sync_from_env
from conversations.services.inbound import webhook_event_process
from csat.models import CsatSurvey
from integrations.base import Provider
from tests.conversations.conftest import drain

pytestmark = pytest.mark.django_db


@pytest.fixture
def sandbox(settings, client):  # type: ignore[no-untyped-def]
    settings.SANDBOX_ENABLED = True
    channel_accounts_sync_from_env()
    ChannelAccount.objects.filter(provider=Provider.SANDBOX).update(ai_mode=ChannelAccount.AIMode.OFF)
    response = client.post("/sandbox/start/", {"phone": "+51 987 654 321", "name": "Rosa Quispe"},
                           content_type="application/json")
    return response.json()["token"]


def say(client, token: str, text: str, client_id: str, capture) -> None:  # type: ignore[no-untyped-def]
    response = client.post("/sandbox/messages/", {"text": text, "client_id": client_id},
                           content_type="application/json", headers={"X-Sandbox-Token": token})
    assert response.status_code in (200, 201, 202), response.content
    with capture(execute=True):
        for event_id in WebhookEvent.objects.filter(state="received").values_list("pk", flat=True):
            webhook_event_process(event_id=event_id)
    drain()


@pytest.mark.parametrize("answer", ["4 ⭐ Buena", "4"])
def test_a_sandbox_customer_is_asked_and_answers(client, sandbox, agent, resolve, answer,
                                                 django_capture_on_commit_callbacks):
    say(client, sandbox, "Hola, ¿me ayudan con mi plan?", "line-csat-0001", django_capture_on_commit_callbacks)
    conversation = Conversation.objects.get()
    resolve(conversation, agent)
    survey = CsatSurvey.objects.get()
    assert survey.state == "asked" and survey.question.status in ("sent", "delivered")
    # Delivered through the sandbox's client (the phone's view hides system lines: see requests_H5.md).
    assert survey.question.provider_message_id.startswith("sbx-out-")
    assert [o["id"] for o in survey.question.offered_options][-1] == "csat:5"

    say(client, sandbox, answer, "line-csat-0002", django_capture_on_commit_callbacks)
    survey.refresh_from_db()
    assert (survey.state, survey.rating) == ("answered", 4)
