"""The audit log stays off the inbound path: a customer's message costs no audit row and no extra query."""

from __future__ import annotations

import pytest
from auditlog.registry import auditlog
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import AuditEntry
from conversations.models import Conversation, Message, WebhookEvent
from conversations.services.accounts import CHANNEL_ACCOUNT_REFS_KEY, channel_account_for_event
from conversations.services.inbound import webhook_event_process
from core.config_cache import config_invalidate
from integrations.base import Provider
from leads.models import Contact, Lead
from tests.conversations.conftest import wa_payload, wa_text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("ai_off")]

# Queries of webhook_event_process for a new customer's first message and for the next one, as they were
# before the audit log (SQLite and PostgreSQL alike), the channel account read from the process's memory
# (core.config_cache). A change here is a change of the hot path: measure it.
FIRST_MESSAGE_QUERIES = 18
NEXT_MESSAGE_QUERIES = 12


def test_models_saved_on_every_inbound_message_are_not_registered_with_auditlog():
    for model in (Conversation, Message, Contact, Lead, WebhookEvent):
        assert not auditlog.contains(model), model


def test_processing_inbound_messages_writes_no_audit_row_and_adds_no_query_when_audit_is_on(
        post_meta, django_capture_on_commit_callbacks, config_cache_local_only):
    with django_capture_on_commit_callbacks(execute=True):
        # As once the accounts' creation has committed, in a worker that has read them before: from memory.
        config_invalidate(CHANNEL_ACCOUNT_REFS_KEY)
    channel_account_for_event(provider=Provider.META_WHATSAPP, account_ref=settings.META_WHATSAPP_PHONE_NUMBER_ID)
    counts = []
    for wamid in ("wamid.HOT1", "wamid.HOT2"):
        assert post_meta(wa_payload(wa_text(wamid, "Hola, ¿tienen fibra de 300 megas?"))).status_code == 200
        event = WebhookEvent.objects.get(external_id=wamid)
        before = AuditEntry.objects.count()
        with django_capture_on_commit_callbacks(), CaptureQueriesContext(connection) as queries:
            webhook_event_process(event_id=event.pk)
        counts.append(len(queries))
        assert AuditEntry.objects.count() == before
        assert not any("audit" in query["sql"].lower() for query in queries.captured_queries)
    assert Message.objects.filter(provider_message_id__in=["wamid.HOT1", "wamid.HOT2"]).count() == 2
    assert counts == [FIRST_MESSAGE_QUERIES, NEXT_MESSAGE_QUERIES]
