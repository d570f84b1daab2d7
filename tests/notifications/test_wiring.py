"""Each app's notices reach the right person's bell: assignments, mentions, reminders, quotes and sales."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Role
from conftest import make_user
from conversations.models import Conversation
from conversations.services.followups import conversation_remind
from conversations.services.inbox import conversation_add_note, conversation_assign, conversation_transfer
from notifications.models import Notification
from sales.services.quotes import quote_accept, quote_create
from sales.services.sales import sale_create, sale_reject, sale_validate
from tests.leads.factories import ContactFactory

pytestmark = pytest.mark.django_db


def _kinds(user) -> list[str]:  # type: ignore[no-untyped-def]
    return list(Notification.objects.filter(user=user).values_list("kind", flat=True))


def test_assignee_is_told_when_a_supervisor_assigns_them(supervisor, agent, make_conversation):
    conversation = make_conversation(name="Rosa Quispe")
    conversation_assign(actor=supervisor, conversation=conversation, assignee=agent)
    notice = Notification.objects.get(user=agent)
    assert notice.kind == "conversation.assigned"
    assert notice.url == f"/panel/c/{conversation.pk}/"
    assert "Rosa Quispe" in notice.title
    assert _kinds(supervisor) == []  # the actor is not told what they did


def test_nobody_is_told_when_an_agent_takes_a_conversation_for_themselves(agent, make_conversation):
    conversation_assign(actor=agent, conversation=make_conversation(), assignee=agent)
    assert not Notification.objects.exists()


def test_nobody_is_told_when_the_assignee_does_not_change(supervisor, agent, make_conversation):
    conversation = make_conversation(assignee=agent)
    conversation_assign(actor=supervisor, conversation=conversation, assignee=agent)
    conversation_assign(actor=supervisor, conversation=conversation, assignee=None)  # unassigned: nobody to tell
    assert not Notification.objects.exists()


def test_receiver_is_told_when_a_conversation_is_transferred_to_them(agent, supervisor, team, make_conversation):
    colleague = make_user("colega", Role.AGENT, team)
    conversation = make_conversation(assignee=agent)
    conversation_transfer(actor=agent, conversation=conversation, to=colleague, note="sabe de portabilidad")
    assert _kinds(colleague) == ["conversation.assigned"]
    assert _kinds(agent) == []


def test_each_mentioned_person_is_told_when_a_note_names_them(agent, supervisor, team, make_conversation, listen,
                                                              django_capture_on_commit_callbacks):
    colleague = make_user("colega", Role.AGENT, team)
    conversation = make_conversation(assignee=agent)
    inbox = listen(colleague)
    with django_capture_on_commit_callbacks(execute=True):
        note = conversation_add_note(actor=agent, conversation=conversation,
                                     text="@colega y @supervisora: llamar después de las 6. @agente @nadie")
    for user in (colleague, supervisor):
        notice = Notification.objects.get(user=user)
        assert notice.kind == "note.mention" and "llamar después" in notice.body
        assert notice.url == f"/panel/c/{conversation.pk}/" and notice.dedupe_key == f"note:{note.pk}"
    assert _kinds(agent) == []  # mentioning oneself tells nobody
    types = [event["type"] for event in inbox.events()]
    assert sorted(types) == ["note.mentioned", "notification.created"]  # the panel's own event is kept


def test_assignee_is_told_when_a_silence_reminder_is_due(agent, make_conversation):
    now = timezone.now()
    conversation = make_conversation(assignee=agent, name="Luis Flores")
    Conversation.objects.filter(pk=conversation.pk).update(last_inbound_at=now - timedelta(hours=5))
    assert conversation_remind(conversation_id=conversation.pk, hours=3, now=now) == 1
    assert conversation_remind(conversation_id=conversation.pk, hours=3, now=now) == 0  # once per silence
    notice = Notification.objects.get(user=agent)
    assert notice.kind == "followup.due" and "Luis Flores" in notice.title
    assert notice.url == f"/panel/c/{conversation.pk}/"


def test_quote_agent_is_told_when_the_customer_accepts(agent, phone):
    quote = quote_create(actor=agent, contact=ContactFactory(name="Ana Torres"),
                         lines=[{"product": phone, "quantity": 1}])
    sale = quote_accept(quote=quote)  # by the customer (no actor)
    quote_accept(quote=quote)  # a redelivered "yes": the same sale, no second notice
    notice = Notification.objects.get(user=agent)
    assert notice.kind == "quote.accepted" and quote.number in notice.title and sale.number in notice.body
    assert notice.url == f"/sales/quotes/{quote.pk}/"


def test_nobody_is_told_when_the_agent_accepts_their_own_quote(agent, phone):
    quote = quote_create(actor=agent, contact=ContactFactory(), lines=[{"product": phone, "quantity": 1}])
    quote_accept(quote=quote, actor=agent)
    assert not Notification.objects.exists()


def test_sale_agent_is_told_when_the_back_office_validates(agent, backoffice, phone):
    sale = sale_create(actor=agent, contact=ContactFactory(), lines=[{"product": phone, "quantity": 1}])
    sale_validate(actor=backoffice, sale=sale)
    notice = Notification.objects.get(user=agent)
    assert notice.kind == "sale.validated" and sale.number in notice.title
    assert notice.url == f"/sales/{sale.pk}/"
    assert _kinds(backoffice) == []


def test_sale_agent_is_told_with_the_reason_when_the_back_office_rejects(agent, backoffice, phone):
    sale = sale_create(actor=agent, contact=ContactFactory(), lines=[{"product": phone, "quantity": 1}])
    sale_reject(actor=backoffice, sale=sale, reason="DNI ilegible")
    notice = Notification.objects.get(user=agent)
    assert notice.kind == "sale.rejected" and notice.body == "DNI ilegible"


def test_nobody_is_told_when_a_supervisor_validates_their_own_sale(supervisor, phone):
    sale = sale_create(actor=supervisor, contact=ContactFactory(), lines=[{"product": phone, "quantity": 1}])
    sale_validate(actor=supervisor, sale=sale)
    assert not Notification.objects.exists()
