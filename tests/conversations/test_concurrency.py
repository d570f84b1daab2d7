"""Concurrent deliveries and workers on PostgreSQL: duplicates collapse, one person gets one conversation."""

from urllib.parse import urlencode

import pytest
from django.test import Client
from twilio.request_validator import RequestValidator

from conversations.models import Conversation, Message, WebhookEvent
from conversations.services.inbound import webhook_event_process
from leads.models import Contact
from tests.concurrency import run_together
from tests.conversations.conftest import BASE, TWILIO_TOKEN, twilio_params

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("ai_off")]
PATH = "/webhooks/twilio/whatsapp/"


def _run_all_ok(jobs):
    results = run_together(jobs)
    errors = [r for r in results if isinstance(r, BaseException)]
    assert not errors, errors
    return results


def _signed_post(params):
    def post():
        signature = RequestValidator(TWILIO_TOKEN).compute_signature(BASE + PATH, params)
        response = Client().post(PATH, data=urlencode(params), content_type="application/x-www-form-urlencoded",
                                 headers={"X-Twilio-Signature": signature}, secure=True)
        return response.status_code

    return post


def _process_all_concurrently():
    ids = list(WebhookEvent.objects.filter(state=WebhookEvent.State.RECEIVED).values_list("pk", flat=True))
    if ids:
        _run_all_ok([lambda event_id=event_id: webhook_event_process(event_id=event_id) for event_id in ids])


def test_same_delivery_posted_five_times_at_once_gives_one_message():
    statuses = _run_all_ok([_signed_post(twilio_params()) for _ in range(5)])
    assert statuses == [200] * 5
    assert WebhookEvent.objects.count() == 1
    _process_all_concurrently()
    assert Message.objects.count() == 1


def test_the_same_event_processed_by_two_workers_at_once_gives_one_message():
    _signed_post(twilio_params())()
    event_id = WebhookEvent.objects.get().pk
    _run_all_ok([lambda: webhook_event_process(event_id=event_id) for _ in range(3)])
    assert Message.objects.count() == 1
    assert WebhookEvent.objects.get().state == WebhookEvent.State.PROCESSED


def test_ten_photos_sent_at_once_make_one_contact_and_one_conversation():
    jobs = [_signed_post(twilio_params(MessageSid=f"MM{i:032d}", Body=f"foto {i}")) for i in range(10)]
    assert _run_all_ok(jobs) == [200] * 10
    _process_all_concurrently()
    assert Contact.objects.count() == 1
    assert Conversation.objects.count() == 1
    assert Message.objects.count() == 10
    assert Conversation.objects.get().unread_count == 10
