"""What the seeded demo holds, read through the product's APIs and selectors: one seed for the module.

The seed runs once (at noon today, so "due today" holds whenever the suite runs) inside a transaction
rolled back when the module ends; each test runs in its own savepoint within it.
"""

from __future__ import annotations

import io

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from accounts.models import User
from accounts.two_factor.testing import client_two_factor_pass
from agreements.models import Installment, PaymentAgreement
from ai.models import AIRequest
from conversations.models import Conversation, FollowUpTask, Message, Note
from conversations.services import outbound
from demo.management.commands.seed_demo import AGENTS
from demo.seed.history import EMAIL_DOMAIN as HISTORY_EMAIL_DOMAIN
from leads.models import Lead, LeadStatus
from leads.pipeline import pipeline_board
from leads.rfm import Profile
from operators.models import Operator, Product
from sales.models import Quote

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module", autouse=True)
def seeded(django_db_setup, django_db_blocker, tmp_path_factory):  # type: ignore[no-untyped-def]
    noon = timezone.localtime().replace(hour=12, minute=0, second=0, microsecond=0)
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("media"),
                          PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
        transaction.atomic(),
    ):
        with time_machine.travel(noon, tick=True):
            call_command("seed_demo", "--contacts", "12", stdout=io.StringIO())
        yield
        transaction.set_rollback(True)


def _user(username: str) -> User:
    return User.objects.get(username=username)


@pytest.mark.parametrize("username", AGENTS)
def test_each_demo_agent_has_open_conversations_with_analysed_messages_and_ai_replies(api_client_for, username):
    client = api_client_for(_user(username))
    body = client.get("/api/v1/conversations/?assignee=me&status=open").json()
    assert body["count"] >= 4
    answered = 0
    for row in body["results"]:
        messages = client.get(f"/api/v1/conversations/{row['id']}/messages/?page_size=200").json()["results"]
        senders = {m["sender"] for m in messages}
        assert {"customer", "ai"} <= senders, row["contact"]
        answered += "agent" in senders  # a HOT lead the routing just gave them waits for their first line
        inbound = Message.objects.filter(conversation_id=row["id"], direction="in")
        for message in inbound:
            flags = message.ai_flags or {}
            assert flags.get("analyzed") or flags.get("handled"), message.text
            if flags.get("analyzed"):
                assert message.intent and AIRequest.objects.filter(subject=f"message:{message.pk}").exists()
    assert answered >= 4


def test_the_queue_holds_unassigned_chats_with_an_urgent_escalated_complaint():
    queue = Conversation.objects.filter(assignee=None, status="open")
    assert queue.count() >= 5
    assert queue.filter(needs_human=True, priority="urgent", messages__intent="complaint").exists()
    assert Conversation.objects.filter(status="resolved").count() >= 5
    assert Conversation.objects.filter(status="snoozed", snoozed_until__gt=timezone.now()).exists()
    assert Conversation.objects.filter(unread_count__gt=0).count() >= 10
    assert 40 <= Conversation.objects.exclude(contact__email__endswith="@" + HISTORY_EMAIL_DOMAIN).count() <= 60
    assert {"whatsapp", "instagram"} == {c.channel for c in Conversation.objects.select_related("channel_account")}


def test_the_demo_has_a_mention_in_a_note_and_pictures_stored_as_files():
    assert Note.objects.filter(text__contains="@agente2", author__username="agente1").exists()
    photo = Message.objects.filter(direction="in", type="image", media_state="stored").first()
    assert photo is not None and photo.media_size > 0 and photo.ai_flags.get("analyzed")
    assert Message.objects.filter(direction="out", sender="agent", type="image").exists()


def test_no_demo_message_is_handed_to_a_provider(monkeypatch):
    def no_provider(account):  # type: ignore[no-untyped-def]
        raise AssertionError(f"the demo tried to send through {account}")

    monkeypatch.setattr(outbound, "client_for_account", no_provider)
    outgoing = Message.objects.filter(direction="out")
    assert outgoing.exists()
    assert not outgoing.exclude(send_state="done").exists()
    assert set(outgoing.values_list("status", flat=True)) <= {"delivered", "read"}
    for message_id in outgoing.values_list("pk", flat=True):  # what the send tasks queued after commit do
        assert outbound.message_deliver(message_id=message_id).state == "skipped"


def test_the_supervisor_lists_quotes_sales_and_commissions(api_client_for):
    client = api_client_for(_user("supervisor"))
    for path in ("quotes", "sales", "commissions"):
        assert client.get(f"/api/v1/{path}/").json()["count"] > 0, path
    statuses = set(Quote.objects.values_list("status", flat=True))
    assert {"pending", "accepted", "expired"} <= statuses
    sales = client.get("/api/v1/sales/?page_size=200").json()["results"]
    assert {"validated", "pending_validation"} <= {s["status"] for s in sales}


@pytest.mark.parametrize("code", [p.value for p in Profile])
def test_the_contacts_api_lists_someone_in_each_outreach_profile(api_client_for, code):
    body = api_client_for(_user("supervisor")).get(f"/api/v1/contacts/?profile={code}").json()
    assert body["count"] > 0
    assert {row["profile"]["code"] for row in body["results"]} == {code}


def test_every_quoted_lead_has_a_pending_quote_sent_to_the_customer():
    quoted = Lead.objects.filter(status=LeadStatus.QUOTED)
    assert quoted.exists()
    for lead in quoted:
        assert Quote.objects.filter(lead=lead, status="pending", sent_at__isnull=False).exists(), lead
    board = {column.status: column for column in pipeline_board(user=_user("supervisor"))}
    assert all(board[status].count for status in LeadStatus.values)
    assert board["quoted"].quoted_total > 0


def test_leads_carry_their_score_reasons_and_every_temperature():
    assert set(Lead.objects.values_list("classification", flat=True)) == {"HOT", "WARM", "COLD"}
    reasons = [lead.ai_analysis.get("reasons") for lead in Lead.objects.exclude(conversations=None)]
    assert sum(1 for r in reasons if r) >= 20
    assert all(lead.score_breakdown is not None for lead in Lead.objects.all())


def test_a_payment_agreement_has_paid_and_overdue_instalments():
    agreement = PaymentAgreement.objects.get(debt__reference="CLR-20931877")
    states = list(agreement.installments.order_by("number").values_list("state", flat=True))
    assert states == [Installment.State.PAID, Installment.State.PAID, Installment.State.OVERDUE,
                      Installment.State.PENDING]
    assert agreement.paid_total == sum(i.amount for i in agreement.installments.filter(state="paid"))
    assert agreement.state == PaymentAgreement.State.ACTIVE


def test_follow_ups_are_due_today_for_the_agents():
    today = timezone.localdate()
    due = [f for f in FollowUpTask.objects.filter(state="scheduled").select_related("created_by")
           if timezone.localdate(f.due_at) == today]
    assert len(due) >= 2 and {f.created_by.username for f in due} <= set(AGENTS)


def test_the_catalog_and_logins_of_every_role_are_there():
    assert set(Operator.objects.values_list("name", flat=True)) == {"Claro", "Movistar", "Entel", "Bitel"}
    names = set(Product.objects.values_list("name", flat=True))
    assert {"Internet Hogar 50 Mbps Claro", "Internet Hogar 200 Mbps Bitel", "Plan Móvil 20 GB Entel",
            "iPhone 15 Pro 512 GB Titanio Natural", "Cargador USB-C 20W"} <= names
    assert set(User.objects.values_list("role", flat=True)) == {"agent", "backoffice", "supervisor", "admin"}


def test_seeded_supervisor_logs_in_and_reaches_admin(client):
    response = client.post("/accounts/login/", {"username": "supervisor", "password": "supervisor-demo-2026",
                                                 "next": "/admin/"})
    assert response.status_code == 302 and response["Location"] == "/accounts/two-factor/setup/"  # first login
    supervisor = User.objects.get(username="supervisor")
    client_two_factor_pass(client, supervisor)  # scan, confirm with a code, then the recovery codes
    assert client.get("/admin/").status_code == 200
    assert supervisor.groups.filter(name="supervisor").exists()
