"""A customer with a WhatsApp (Meta Cloud API) conversation held by an agent of the supervisor's team, a fake
Graph API that records what it is sent, and helpers that drive the real inbound path and the event registry."""

from __future__ import annotations

import itertools
import json

import pytest
from werkzeug import Response

from conversations.models import ChannelAccount, Conversation, Message, WebhookEvent
from conversations.services.inbound import webhook_event_process
from conversations.services.inbox import conversation_set_status
from tests.conversations.conftest import (  # noqa: F401 - fixtures shared with the inbound path
    PHONE_NUMBER_ID,
    ai_off,
    drain,
    now_ts,
    post_meta,
    provider_settings,
    wa_payload,
    wa_text,
)

_ids = itertools.count(1)
GRAPH_SEND = f"/{PHONE_NUMBER_ID}/messages"


@pytest.fixture
def graph(httpserver, settings):
    """A fake Graph API: every send accepted with a fresh wamid; ``graph.sent()`` the JSON bodies, in order."""
    settings.META_GRAPH_BASE_URL = httpserver.url_for("").rstrip("/")

    def accept(_request):  # type: ignore[no-untyped-def]
        return Response(json.dumps({"messaging_product": "whatsapp", "messages": [{"id": f"wamid.OUT{next(_ids)}"}]}),
                        content_type="application/json")

    httpserver.expect_request(GRAPH_SEND, method="POST").respond_with_handler(accept)
    httpserver.sent = lambda: [request.get_json() for request, _ in httpserver.log]
    return httpserver


def wa_list_reply(row_id: str, title: str) -> dict:
    return {"from": "51987654321", "id": f"wamid.IN-list{next(_ids)}", "timestamp": now_ts(), "type": "interactive",
            "interactive": {"type": "list_reply", "list_reply": {"id": row_id, "title": title}}}


@pytest.fixture
def customer_says(post_meta, django_capture_on_commit_callbacks):  # noqa: F811
    """The customer's line through the signed webhook, the inbound worker and the events it announces; returns
    the stored message."""
    def _says(text: str = "", *, row: tuple[str, str] | None = None, wamid: str = "") -> Message:
        message = wa_list_reply(*row) if row else wa_text(wamid or f"wamid.IN-text{next(_ids)}", text)
        assert post_meta(wa_payload(message)).status_code == 200
        with django_capture_on_commit_callbacks(execute=True):  # the inbound worker, then the events it announces
            for event_id in WebhookEvent.objects.filter(state="received").values_list("pk", flat=True):
                webhook_event_process(event_id=event_id)
        drain()  # the ai queue (a message handled before it is skipped) and the sends
        return Message.objects.get(provider_message_id=message["id"])

    return _says


@pytest.fixture
def conversation(customer_says, ai_off, agent, graph) -> Conversation:  # noqa: F811
    """The customer asked something (the AI is off); the agent holds the conversation."""
    customer_says("Hola, ¿tienen el plan de 200 megas?")
    conversation = Conversation.objects.select_related("contact").get()
    conversation.assignee = agent
    conversation.save(update_fields=["assignee"])
    return conversation


@pytest.fixture
def resolve(django_capture_on_commit_callbacks):
    """Resolve (or reopen) as the agent, with the events the change announces, then run the sends."""
    def _set(conversation: Conversation, actor, status: str = "resolved") -> Conversation:  # type: ignore[no-untyped-def]
        with django_capture_on_commit_callbacks(execute=True):
            conversation = conversation_set_status(actor=actor, conversation=conversation, status=status)
        drain()
        return conversation

    return _set


@pytest.fixture
def ai_auto(db):  # type: ignore[no-untyped-def]
    ChannelAccount.objects.update(ai_mode=ChannelAccount.AIMode.AUTO)
