"""PostgreSQL: the same customer's message handled by two workers at once runs a rule once (one run, one notice):
the second worker's run hits the unique row of the first and its savepoint, actions included, rolls back."""

from __future__ import annotations

import pytest
from django.db import transaction

from automations.engine import event_rules_run
from automations.models import AutomationRun
from core.events import Event
from notifications.models import Notification
from tests.automations.factories import customer_message, make_conversation, make_rule
from tests.concurrency import run_together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_workers_on_one_message_run_the_rule_once(agent):
    rule = make_rule("message.received", {"kind": "notify", "notify_assignee": True, "text": "Nuevo mensaje"})
    message = customer_message(make_conversation(assignee=agent), "Hola")
    event = Event("message.received", {"message_id": message.pk, "conversation_id": message.conversation_id,
                                        "text": message.text, "interactive_id": ""})

    def worker() -> int:
        with transaction.atomic():  # as core.events.run_subscriber runs a subscriber
            return len(event_rules_run(event))

    results = run_together([worker, worker, worker])
    assert not [r for r in results if isinstance(r, BaseException)], results
    assert sorted(results) == [0, 0, 1]
    assert AutomationRun.objects.filter(rule=rule).count() == 1
    assert Notification.objects.filter(user=agent, kind="automation.notice").count() == 1
