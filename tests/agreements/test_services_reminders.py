"""Daily jobs: overdue and broken by date, reminders once each, by message or by note for the agent."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from agreements.models import Installment, InstallmentReminder, PaymentAgreement
from agreements.services import agreement_create, installments_mark_overdue, installments_remind, payment_record
from agreements.tasks import installments_mark_overdue_task, installments_remind_task
from conversations.models import Conversation, Message, Note
from core.realtime import user_group
from leads.models import Contact
from tests.agreements.factories import DebtFactory
from tests.conversations.conftest import PHONE_NUMBER_ID, drain, wa_payload, wa_text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("ai_off")]

SEND_PATH = f"/{PHONE_NUMBER_ID}/messages"


def today():
    return timezone.localdate()


@pytest.fixture
def graph(httpserver, settings):
    settings.META_GRAPH_BASE_URL = httpserver.url_for("").rstrip("/")
    return httpserver


@pytest.fixture
def conversation(post_meta):
    """The customer wrote on WhatsApp just now: the 24-hour window is open."""
    post_meta(wa_payload(wa_text("wamid.IN1", "Hola, quiero pagar mi deuda")))
    drain()
    return Conversation.objects.get()


def make_agreement(agent, contact, *, first_due, installments=3):
    debt = DebtFactory(assignee=agent, contact=contact)
    return agreement_create(actor=agent, debt=debt, discount_percent=0, installments=installments,
                            first_due_date=first_due, interval_days=30)


def test_instalments_become_overdue_the_day_after_they_fall_due(agent):
    agreement = make_agreement(agent, DebtFactory().contact, first_due=today())
    assert installments_mark_overdue(today=today()).marked == 0
    result = installments_mark_overdue(today=today() + timedelta(days=1))
    assert (result.marked, result.broken) == (1, 0)
    assert [i.state for i in agreement.installments.order_by("number")] == ["overdue", "pending", "pending"]
    assert installments_mark_overdue(today=today() + timedelta(days=1)).marked == 0  # idempotent


def test_agreement_breaks_when_an_instalment_is_overdue_beyond_the_grace_period(agent, settings, listener,
                                                                                 django_capture_on_commit_callbacks):
    settings.AGREEMENTS_GRACE_DAYS = 10
    agreement = make_agreement(agent, DebtFactory().contact, first_due=today())
    installments_mark_overdue(today=today() + timedelta(days=1))
    assert installments_mark_overdue(today=today() + timedelta(days=10)).broken == 0
    agreement.refresh_from_db()
    assert agreement.state == "active"

    tabs = listener(user_group(agent.pk))
    with django_capture_on_commit_callbacks(execute=True):
        assert installments_mark_overdue(today=today() + timedelta(days=11)).broken == 1
    agreement.refresh_from_db()
    assert agreement.state == PaymentAgreement.State.BROKEN and agreement.closed_at is not None
    event = tabs.next_event()
    assert (event["type"], event["data"]["id"], event["data"]["state"]) == ("agreement.updated", agreement.pk,
                                                                            "broken")


def test_late_instalment_paid_within_grace_does_not_break_the_agreement(agent, settings):
    settings.AGREEMENTS_GRACE_DAYS = 10
    agreement = make_agreement(agent, DebtFactory().contact, first_due=today())
    installments_mark_overdue(today=today() + timedelta(days=3))
    payment_record(actor=agent, agreement=agreement, amount=Decimal("333.33"))
    assert installments_mark_overdue(today=today() + timedelta(days=30)).broken == 0
    agreement.refresh_from_db()
    assert agreement.state == "active"
    assert agreement.installments.get(number=1).state == "paid"


def test_reminder_is_sent_once_through_the_provider_when_the_window_is_open(graph, conversation, agent, settings):
    settings.AGREEMENTS_REMIND_DAYS_BEFORE = 2
    graph.expect_request(SEND_PATH, method="POST").respond_with_json(
        {"messaging_product": "whatsapp", "messages": [{"id": "wamid.REMIND1"}]})
    agreement = make_agreement(agent, conversation.contact, first_due=today() + timedelta(days=2))

    assert installments_remind(today=today() - timedelta(days=1)).messages == 0  # three days ahead: not yet
    result = installments_remind()
    assert (result.messages, result.notes) == (1, 0)
    drain()
    assert len(graph.log) == 1
    body = graph.log[0][0].get_json()
    assert body["to"].lstrip("+") == "51987654321"
    assert "(S/ 333.33)" in body["text"]["body"]  # core.money: the symbol of the debt's currency
    message = Message.objects.get(direction="out")
    assert (message.sender, message.status) == ("system", "sent")
    reminder = InstallmentReminder.objects.get()
    assert (reminder.kind, reminder.channel, reminder.message_id) == ("upcoming", "message", message.pk)
    assert agreement.installments.get(number=1).reminded_at is not None

    again = installments_remind()
    drain()
    assert (again.messages, again.notes) == (0, 0)
    assert len(graph.log) == 1 and Message.objects.filter(direction="out").count() == 1


def test_reminder_becomes_a_note_and_an_event_with_no_send_when_the_window_is_closed(
        graph, conversation, agent, listener, django_capture_on_commit_callbacks):
    Conversation.objects.filter(pk=conversation.pk).update(last_inbound_at=timezone.now() - timedelta(days=2))
    agreement = make_agreement(agent, conversation.contact, first_due=today())
    tabs = listener(user_group(agent.pk))
    later = today() + timedelta(days=3)  # instalment 1 is overdue by then

    with django_capture_on_commit_callbacks(execute=True):
        result = installments_remind(today=later)
    assert (result.messages, result.notes) == (0, 1)
    assert graph.log == [] and not Message.objects.filter(direction="out").exists()
    note = Note.objects.get()
    assert note.conversation_id == conversation.pk and "333.33" in note.text
    event = tabs.next_event()
    assert event["type"] == "agreement.reminder"
    assert (event["data"]["id"], event["data"]["kind"], event["data"]["installment"]["number"]) == (
        agreement.pk, "overdue", 1)
    assert InstallmentReminder.objects.get().channel == "note"

    with django_capture_on_commit_callbacks(execute=True):
        assert installments_remind(today=later).notes == 0
    assert Note.objects.count() == 1


def test_overdue_reminder_follows_an_upcoming_one_for_the_same_instalment(graph, conversation, agent):
    graph.expect_request(SEND_PATH, method="POST").respond_with_json({"messages": [{"id": "wamid.R"}]})
    make_agreement(agent, conversation.contact, first_due=today() + timedelta(days=1), installments=1)
    assert installments_remind().messages == 1
    assert installments_remind(today=today() + timedelta(days=2)).messages == 1
    assert sorted(InstallmentReminder.objects.values_list("kind", flat=True)) == ["overdue", "upcoming"]


def test_contact_without_any_conversation_still_alerts_the_agent(agent, listener, django_capture_on_commit_callbacks):
    contact = Contact.objects.create(name="Luis Paredes", phone="+51911222333")
    make_agreement(agent, contact, first_due=today(), installments=1)
    tabs = listener(user_group(agent.pk))
    with django_capture_on_commit_callbacks(execute=True):
        assert installments_remind().notes == 1
    assert not Note.objects.exists()
    assert tabs.next_event()["type"] == "agreement.reminder"


def test_paid_and_cancelled_instalments_get_no_reminder(agent, supervisor):
    from agreements.services import agreement_cancel

    paid = make_agreement(agent, DebtFactory().contact, first_due=today(), installments=1)
    payment_record(actor=agent, agreement=paid, amount=Decimal("1000"))
    cancelled = make_agreement(agent, DebtFactory().contact, first_due=today(), installments=1)
    agreement_cancel(actor=supervisor, agreement=cancelled)
    assert installments_remind() == type(installments_remind())(messages=0, notes=0, skipped=0)
    assert not InstallmentReminder.objects.exists()


def test_daily_tasks_call_their_services_when_run(agent):
    agreement = make_agreement(agent, DebtFactory().contact, first_due=today() - timedelta(days=0), installments=1)
    Installment.objects.filter(agreement=agreement).update(due_date=today() - timedelta(days=1))
    assert installments_mark_overdue_task() == {"marked": 1, "broken": 0}
    assert installments_remind_task() == {"messages": 0, "notes": 1, "skipped": 0}
