"""The role matrix in the back office: a supervisor of team A never sees or edits team B's rows, tokens
or secrets there (CONTRACT section 6), as the outside review checked it against a running server."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token

from agreements.services import agreement_create
from conversations.models import (
    ChannelAccount,
    Conversation,
    FollowUpTask,
    Message,
    Note,
    QuickReply,
    WebhookEvent,
)
from reports.models import ExportLog
from sales.models import Commission, DiscountLimit
from tests.agreements.factories import DebtFactory
from tests.leads.factories import ContactFactory, LeadFactory
from tests.reports.conftest import make_quote, make_sale

pytestmark = pytest.mark.django_db

SECRETS = {"access_token": "EAAG-secret-access-token-123", "app_secret": "app-secret-456",
           "verify_token": "verify-token-789"}


@pytest.fixture
def account(db) -> ChannelAccount:  # type: ignore[no-untyped-def]
    return ChannelAccount.objects.create(provider="meta_whatsapp", name="WhatsApp Norte", account_ref="1065403522",
                                         ai_mode=ChannelAccount.AIMode.OFF, **SECRETS)


def _rows_of(owner, account) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """One row of every team-scoped model, belonging to ``owner``'s team."""
    contact = ContactFactory(name=f"Cliente de {owner.username}")
    lead = LeadFactory(contact=contact, assignee=owner)
    conversation = Conversation.objects.create(contact=contact, channel_account=account, assignee=owner, lead=lead,
                                               last_message_at=timezone.now())
    message = Message.objects.create(conversation=conversation, channel_account=account, direction="in",
                                     sender="customer", status="received", text="Mi DNI es 45678912")
    note = Note.objects.create(conversation=conversation, author=owner, text="Cliente moroso")
    followup = FollowUpTask.objects.create(conversation=conversation, created_by=owner, text="¿Seguimos?",
                                           due_at=timezone.now() + timedelta(days=1))
    sale = make_sale(contact=contact, agent=owner)
    commission = Commission.objects.create(sale=sale, agent=owner, amount=Decimal("10.00"),
                                           month=timezone.localdate().replace(day=1))
    debt = DebtFactory(contact=contact, assignee=owner)
    agreement = agreement_create(actor=owner, debt=debt, discount_percent=10, installments=2,
                                 first_due_date=timezone.localdate() + timedelta(days=3))
    return {
        "leads_contact": contact, "leads_lead": lead, "conversations_conversation": conversation,
        "conversations_message": message, "conversations_note": note, "conversations_followuptask": followup,
        "sales_quote": make_quote(contact=contact, agent=owner), "sales_sale": sale,
        "sales_commission": commission, "agreements_debt": debt, "agreements_paymentagreement": agreement,
        "accounts_user": owner, "accounts_team": owner.team,
        "conversations_quickreply": QuickReply.objects.create(shortcut=f"hola-{owner.pk}", title="Hola",
                                                              text="Hola", team=owner.team),
        "reports_exportlog": ExportLog.objects.create(kind="leads", user=owner, row_count=1),
    }


@pytest.fixture
def other_team_rows(other_agent, account):  # type: ignore[no-untyped-def]
    return _rows_of(other_agent, account)


@pytest.fixture
def own_team_rows(agent, account):  # type: ignore[no-untyped-def]
    return _rows_of(agent, account)


def test_a_supervisor_gets_404_on_every_row_of_another_team(client, supervisor, other_team_rows, own_team_rows):
    client.force_login(supervisor)
    for name, row in other_team_rows.items():
        response = client.get(reverse(f"admin:{name}_change", args=[row.pk]))
        assert response.status_code == 404, name
    for name, row in own_team_rows.items():
        response = client.get(reverse(f"admin:{name}_change", args=[row.pk]))
        assert response.status_code == 200, name


def test_a_supervisors_lists_hold_only_their_teams_rows(client, supervisor, other_team_rows, own_team_rows):
    client.force_login(supervisor)
    for name, row in other_team_rows.items():
        response = client.get(reverse(f"admin:{name}_changelist"))
        assert response.status_code == 200, name
        listed = {obj.pk for obj in response.context["cl"].result_list}
        assert row.pk not in listed, name
        assert own_team_rows[name].pk in listed, name


def test_admin_still_sees_every_teams_rows(client, admin_user, other_team_rows, own_team_rows):
    client.force_login(admin_user)
    for name, row in {**other_team_rows, **own_team_rows}.items():
        assert client.get(reverse(f"admin:{name}_change", args=[row.pk])).status_code == 200, name


def test_a_supervisor_cannot_reach_api_tokens_in_admin(client, supervisor, admin_user):
    token = Token.objects.create(user=admin_user)
    client.force_login(supervisor)
    changelist = client.get("/admin/authtoken/tokenproxy/")
    assert changelist.status_code == 403
    assert token.key not in client.get("/admin/").content.decode()
    assert client.get(f"/admin/authtoken/tokenproxy/{admin_user.pk}/change/").status_code == 403


def test_api_tokens_stay_reachable_for_admin(client, admin_user):
    token = Token.objects.create(user=admin_user)
    client.force_login(admin_user)
    assert token.key in client.get("/admin/authtoken/tokenproxy/").content.decode()


def test_the_supervisor_role_holds_no_token_permission_after_create_roles(supervisor):
    assert not supervisor.has_perm("authtoken.view_tokenproxy")
    assert not supervisor.has_perm("authtoken.view_token")


def test_a_supervisor_sees_that_channel_secrets_are_set_never_their_values(client, supervisor, account):
    client.force_login(supervisor)
    response = client.get(reverse("admin:conversations_channelaccount_change", args=[account.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert all(secret not in html for secret in SECRETS.values())
    assert "WhatsApp Norte" in html
    assert "access token" in html.lower() or "token de acceso" in html.lower()


def test_an_admin_edits_a_channel_account_without_seeing_its_secrets(client, admin_user, account):
    client.force_login(admin_user)
    html = client.get(reverse("admin:conversations_channelaccount_change", args=[account.pk])).content.decode()
    assert all(secret not in html for secret in SECRETS.values())
    assert 'type="password"' in html


def test_raw_webhook_payloads_are_for_admins_only(client, supervisor, admin_user):
    event = WebhookEvent.objects.create(provider="meta_whatsapp", external_id="wamid.X", kind="message",
                                        payload={"text": "Mi DNI es 45678912"})
    client.force_login(supervisor)
    assert client.get(reverse("admin:conversations_webhookevent_changelist")).status_code == 403
    assert client.get(reverse("admin:conversations_webhookevent_change", args=[event.pk])).status_code == 403
    client.force_login(admin_user)
    assert "45678912" in client.get(reverse("admin:conversations_webhookevent_change",
                                            args=[event.pk])).content.decode()


def test_a_supervisor_cannot_replay_webhook_events(client, supervisor):
    event = WebhookEvent.objects.create(provider="meta_whatsapp", external_id="wamid.Y", kind="message",
                                        payload={}, state=WebhookEvent.State.FAILED)
    client.force_login(supervisor)
    client.post(reverse("admin:conversations_webhookevent_changelist"),
                {"action": "replay", "_selected_action": [event.pk]})
    event.refresh_from_db()
    assert event.state == WebhookEvent.State.FAILED and event.attempts == 0


def test_a_note_keeps_its_author_and_conversation_when_a_supervisor_edits_it(client, supervisor, agent,
                                                                              own_team_rows, other_team_rows):
    note = own_team_rows["conversations_note"]
    client.force_login(supervisor)
    response = client.post(reverse("admin:conversations_note_change", args=[note.pk]), {
        "text": "Corregido", "author": supervisor.pk,
        "conversation": other_team_rows["conversations_conversation"].pk,
    })
    assert response.status_code == 302
    note.refresh_from_db()
    assert note.text == "Corregido"
    assert note.author == agent and note.conversation == own_team_rows["conversations_conversation"]


def test_a_supervisor_cannot_assign_a_conversation_to_another_teams_agent(client, supervisor, other_agent,
                                                                          own_team_rows):
    conversation = own_team_rows["conversations_conversation"]
    client.force_login(supervisor)
    url = reverse("admin:conversations_conversation_change", args=[conversation.pk])
    response = client.post(url, {
        "contact": conversation.contact_id, "channel_account": conversation.channel_account_id,
        "assignee": other_agent.pk, "status": conversation.status, "priority": conversation.priority,
        "notes-TOTAL_FORMS": 0, "notes-INITIAL_FORMS": 0, "messages-TOTAL_FORMS": 0, "messages-INITIAL_FORMS": 0,
    })
    assert response.status_code == 200 and "assignee" in response.context["adminform"].form.errors
    conversation.refresh_from_db()
    assert conversation.assignee_id != other_agent.pk


def test_a_supervisor_cannot_raise_a_discount_cap(client, supervisor):
    limit, _ = DiscountLimit.objects.get_or_create(role="supervisor", defaults={"max_percent": Decimal("15")})
    before = limit.max_percent
    client.force_login(supervisor)
    response = client.post(reverse("admin:sales_discountlimit_change", args=[limit.pk]),
                           {"role": "supervisor", "max_percent": "90"})
    assert response.status_code == 403
    limit.refresh_from_db()
    assert limit.max_percent == before


def test_admin_list_filters_never_name_another_teams_people(client, supervisor, other_agent, other_team_rows,
                                                            own_team_rows):
    client.force_login(supervisor)
    for name in ("conversations_conversation", "leads_lead", "agreements_debt", "sales_commission"):
        html = client.get(reverse(f"admin:{name}_changelist")).content.decode()
        assert str(other_agent) not in html, name
