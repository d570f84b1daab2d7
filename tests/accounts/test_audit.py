"""The audit log: what a supervisor or an administrator finds in it, and what nobody can do to it."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.forms.models import model_to_dict
from django.utils import timezone, translation

from accounts.audit import audit_change_lines, audit_record
from accounts.models import AuditEntry, AuditEntryImmutableError, AuditKind, Role, User
from conversations.models import ChannelAccount, Conversation
from conversations.services.inbox import conversation_assign, conversation_transfer
from leads.models import Lead
from leads.services import leads_assign
from reports.models import ExportLog
from sales.models import Sale
from sales.services.quotes import quote_create
from sales.services.sales import sale_cancel, sale_create, sale_reject, sale_validate
from tests.leads.factories import ContactFactory, LeadFactory
from tests.operators.factories import ProductFactory

pytestmark = pytest.mark.django_db
PASSWORD = "pass-for-tests-123"
CHANGELIST = "/admin/accounts/auditentry/"


@pytest.fixture
def account(db) -> ChannelAccount:  # type: ignore[no-untyped-def]
    return ChannelAccount.objects.create(provider="meta_whatsapp", name="WhatsApp Lima", account_ref="1065403522",
                                         access_token="old-token-4f9a", ai_mode=ChannelAccount.AIMode.OFF)


@pytest.fixture
def conversation(account) -> Conversation:
    now = timezone.now()
    return Conversation.objects.create(contact=ContactFactory(), channel_account=account, last_inbound_at=now,
                                       last_message_at=now)


def entries(**filters) -> list[AuditEntry]:  # type: ignore[no-untyped-def]
    return list(AuditEntry.objects.filter(**filters).order_by("pk"))


def english(entry: AuditEntry) -> list[str]:
    with translation.override("en"):
        return audit_change_lines(entry)


def test_assigning_a_conversation_records_actor_and_from_to(supervisor, agent, conversation):
    conversation_assign(actor=supervisor, conversation=conversation, assignee=agent)
    conversation_transfer(actor=agent, conversation=conversation, to=supervisor, note="vuelve a ti")

    assign, transfer = entries(content_type__model="conversation")
    assert (assign.kind, assign.actor, assign.object_pk) == (AuditKind.ASSIGN, supervisor, str(conversation.pk))
    assert assign.changes == {"assignee": [None, "Agente"]}
    assert assign.additional_data == {"from_id": None, "to_id": agent.pk}
    assert assign.team_id == agent.team_id
    assert (transfer.kind, transfer.actor) == (AuditKind.TRANSFER, agent)
    assert english(transfer) == ["assignee: Agente → Supervisora"]
    # the conversation's text and the customer are not in the entry
    assert assign.object_repr == f"Conversación #{conversation.pk}"


def test_bulk_lead_assignment_records_one_entry_per_lead_with_who_had_it(supervisor, agent):
    first, second = LeadFactory(assignee=None), LeadFactory(assignee=supervisor)
    leads_assign(actor=supervisor, leads=Lead.objects.filter(pk__in=[first.pk, second.pk]), assignee=agent)
    assert {(e.object_pk, tuple(e.changes["assignee"])) for e in entries(kind=AuditKind.ASSIGN)} == {
        (str(first.pk), (None, "Agente")), (str(second.pk), ("Supervisora", "Agente"))}


def test_changing_a_users_role_in_admin_records_it(client, admin_user, agent, other_team):
    client.force_login(admin_user)
    data = {k: v for k, v in model_to_dict(agent).items() if v is not None and k not in ("password", "last_login")}
    data.update({"role": Role.SUPERVISOR, "team": other_team.pk, "groups": [g.pk for g in agent.groups.all()],
                 "date_joined_0": agent.date_joined.date().isoformat(), "date_joined_1": "10:00:00",
                 "user_permissions": []})
    data = {k: v for k, v in data.items() if v != [] and v is not False}
    response = client.post(f"/admin/accounts/user/{agent.pk}/change/", data, REMOTE_ADDR="203.0.113.20")
    assert response.status_code == 302, response.content.decode()[:2000]

    entry = AuditEntry.objects.filter(kind=AuditKind.ROLE, object_pk=str(agent.pk)).order_by("pk").first()
    assert entry is not None
    assert entry.actor == admin_user and entry.remote_addr == "203.0.113.20"
    assert entry.changes["role"] == ["agent", "supervisor"]
    assert entry.changes["team"] == ["Equipo Lima", "Equipo Norte"]
    assert entry.team_id == other_team.pk  # the team the person is in now


def test_a_password_reset_in_admin_records_that_it_changed_and_never_the_hash(client, admin_user, agent):
    client.force_login(admin_user)
    new = "Otra-clave-segura-2026"
    response = client.post(f"/admin/accounts/user/{agent.pk}/password/",
                           {"password1": new, "password2": new, "usable_password": "true"})
    assert response.status_code == 302
    entry = AuditEntry.objects.get(kind=AuditKind.PASSWORD, object_pk=str(agent.pk))
    assert entry.actor == admin_user
    assert english(entry) == ["password changed"]
    agent.refresh_from_db()
    assert agent.password.split("$")[-1] not in json.dumps(entry.changes)


def test_editing_a_channel_account_secret_records_access_token_changed_without_the_value(client, admin_user,
                                                                                          account):
    client.force_login(admin_user)
    data = {"provider": account.provider, "name": "WhatsApp Lima 2", "account_ref": account.account_ref,
            "phone_number": "", "account_sid": "", "access_token": "new-token-77c1", "app_secret": "",
            "verify_token": "", "ai_mode": account.ai_mode, "reminder_after_hours": 0, "is_active": "on"}
    response = client.post(f"/admin/conversations/channelaccount/{account.pk}/change/", data)
    assert response.status_code == 302

    entry = AuditEntry.objects.get(content_type__model="channelaccount", action=AuditEntry.Action.UPDATE)
    assert entry.kind == AuditKind.SECRET and entry.actor == admin_user
    assert sorted(english(entry)) == ["access_token changed", "name: WhatsApp Lima → WhatsApp Lima 2"]
    stored = json.dumps([entry.changes, entry.additional_data, entry.changes_text, entry.serialized_data,
                         entry.object_repr])
    assert "new-token" not in stored and "old-token" not in stored
    page = client.get(f"{CHANGELIST}{entry.pk}/change/").content.decode()
    assert "access_token" in page and "new-token" not in page and "old-token" not in page


def test_an_admin_export_and_a_reports_export_make_entries(client, admin_user, agent):
    leads = [LeadFactory(assignee=agent) for _ in range(3)]
    client.force_login(admin_user)
    response = client.post("/admin/leads/lead/", {"action": "export_excel",
                                                  "_selected_action": [lead.pk for lead in leads]})
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
    admin_export = AuditEntry.objects.get(kind=AuditKind.EXPORT, content_type__model="lead")
    assert admin_export.actor == admin_user
    assert admin_export.additional_data == {"file": "leads.xlsx", "rows": 3, "source": "admin"}

    response = client.post("/admin/reports/exportlog/export/", {"kind": "leads"})
    assert response.status_code == 200
    log = ExportLog.objects.get()
    report_export = AuditEntry.objects.get(kind=AuditKind.EXPORT, content_type__model="exportlog")
    assert report_export.object_pk == str(log.pk) and report_export.actor == admin_user
    assert report_export.additional_data["rows"] == log.row_count == 3
    assert report_export.remote_addr == "127.0.0.1"


def login(client, username, password=PASSWORD, **extra):  # type: ignore[no-untyped-def]
    return client.post("/accounts/login/", {"username": username, "password": password}, **extra)


def test_failed_and_successful_logins_are_recorded_with_the_address(client, agent):
    # A forged X-Forwarded-For from a client that is no trusted proxy changes nothing.
    login(client, "agente", "wrong-password", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="198.51.100.1")
    login(client, "agente", REMOTE_ADDR="203.0.113.9")
    client.post("/accounts/logout/", REMOTE_ADDR="203.0.113.9")

    failed, success, logout = entries(content_type__model="user", action=AuditEntry.Action.ACCESS)
    assert (failed.kind, failed.actor, failed.object_pk, failed.remote_addr) == (
        AuditKind.LOGIN_FAILED, None, str(agent.pk), "203.0.113.9")
    assert failed.team_id == agent.team_id  # the supervisor sees failures on their people's accounts
    assert (success.kind, success.actor, success.remote_addr) == (AuditKind.LOGIN, agent, "203.0.113.9")
    assert (logout.kind, logout.actor) == (AuditKind.LOGOUT, agent)


def test_an_unknown_username_is_recorded_without_what_was_typed_and_a_lockout_is_recorded(client, agent,
                                                                                          settings):
    login(client, "mi-clave-secreta", "x", REMOTE_ADDR="203.0.113.9")
    unknown = AuditEntry.objects.get(kind=AuditKind.LOGIN_FAILED)
    assert unknown.object_pk == "" and "mi-clave" not in json.dumps([unknown.object_repr, unknown.additional_data])

    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, "agente", "wrong-password", REMOTE_ADDR="203.0.113.10")
    lockout = AuditEntry.objects.filter(kind=AuditKind.LOCKOUT).first()
    assert lockout is not None
    assert (lockout.object_pk, lockout.remote_addr) == (str(agent.pk), "203.0.113.10")
    assert lockout.additional_data == {"failures": settings.AXES_FAILURE_LIMIT}


def test_sales_and_discounts_are_recorded(agent, supervisor, backoffice):
    product = ProductFactory(price=Decimal("100.00"), stock=5)
    sale = sale_create(actor=agent, contact=ContactFactory(), lines=[{"product": product, "discount_percent": 5}])
    quote = quote_create(actor=agent, contact=ContactFactory(), lines=[{"product": product, "discount_percent": 8}])
    sale_validate(actor=backoffice, sale=sale)
    sale_cancel(actor=supervisor, sale=sale, reason="cliente desistió")
    other = sale_create(actor=agent, contact=ContactFactory(), lines=[{"product": product}])
    sale_reject(actor=backoffice, sale=other, reason="DNI ilegible")

    kinds = [(e.kind, e.object_repr, e.actor.username) for e in entries()
             if e.content_type.model in ("sale", "quote")]
    assert kinds == [
        (AuditKind.SALE_CREATE, sale.number, "agente"), (AuditKind.DISCOUNT, sale.number, "agente"),
        (AuditKind.DISCOUNT, quote.number, "agente"), (AuditKind.SALE_VALIDATE, sale.number, "backoffice"),
        (AuditKind.SALE_CANCEL, sale.number, "supervisora"), (AuditKind.SALE_CREATE, other.number, "agente"),
        (AuditKind.SALE_REJECT, other.number, "backoffice"),
    ]
    discount = AuditEntry.objects.get(kind=AuditKind.DISCOUNT, content_type__model="quote")
    assert discount.additional_data["max_percent"] == "8.00" and discount.additional_data["limit_percent"] == "10.00"
    cancel = AuditEntry.objects.get(kind=AuditKind.SALE_CANCEL)
    assert cancel.changes["status"] == [Sale.Status.VALIDATED, Sale.Status.CANCELLED]
    assert cancel.team_id == agent.team_id  # the sale's agent's team


def test_changing_a_discount_limit_is_recorded(client, admin_user):
    from sales.models import DiscountLimit

    limit = DiscountLimit.objects.get(role="agent")
    client.force_login(admin_user)
    response = client.post(f"/admin/sales/discountlimit/{limit.pk}/change/", {"role": "agent", "max_percent": "12"})
    assert response.status_code == 302
    entry = AuditEntry.objects.get(content_type__model="discountlimit")
    assert entry.kind == AuditKind.DISCOUNT and entry.actor == admin_user
    assert entry.changes == {"max_percent": ["10.00", "12"]}


def test_supervisor_sees_only_their_scope_and_cannot_change_or_delete(client, supervisor, agent, other_agent,
                                                                      admin_user, conversation):
    conversation_assign(actor=admin_user, conversation=conversation, assignee=agent)
    ours = AuditEntry.objects.get(kind=AuditKind.ASSIGN)
    theirs = audit_record(actor=other_agent, action=AuditKind.UPDATE, obj=other_agent)
    by_admin_about_nobody = audit_record(actor=admin_user, action=AuditKind.UPDATE, obj=admin_user)

    client.force_login(supervisor)
    listed = client.get(CHANGELIST)
    assert listed.status_code == 200
    assert {e.pk for e in listed.context["cl"].result_list} >= {ours.pk}
    assert not {theirs.pk, by_admin_about_nobody.pk} & {e.pk for e in listed.context["cl"].result_list}
    assert client.get(f"{CHANGELIST}{theirs.pk}/change/").status_code == 404

    assert client.get(f"{CHANGELIST}{ours.pk}/change/").status_code == 200  # read-only page
    assert client.post(f"{CHANGELIST}{ours.pk}/change/", {"object_repr": "nada"}).status_code == 403
    assert client.post(f"{CHANGELIST}{ours.pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.post(CHANGELIST, {"action": "delete_selected", "_selected_action": [ours.pk],
                                    "post": "yes"}).status_code in (200, 302)
    assert client.get(f"{CHANGELIST}add/").status_code == 403
    ours.refresh_from_db()
    assert ours.object_repr != "nada"
    assert AuditEntry.objects.filter(pk=ours.pk).exists()


def test_agents_do_not_see_the_log(client, agent):
    audit_record(actor=agent, action=AuditKind.UPDATE, obj=agent)
    client.force_login(agent)
    assert client.get(CHANGELIST).status_code in (302, 403)


def test_admin_cannot_change_an_entry_but_can_delete_it(client, admin_user, agent):
    entry = audit_record(actor=agent, action=AuditKind.UPDATE, obj=agent)
    client.force_login(admin_user)
    assert client.post(f"{CHANGELIST}{entry.pk}/change/", {"object_repr": "nada"}).status_code == 403
    with pytest.raises(AuditEntryImmutableError):
        entry.save()
    assert client.post(f"{CHANGELIST}{entry.pk}/delete/", {"post": "yes"}).status_code == 302
    assert not AuditEntry.objects.filter(pk=entry.pk).exists()


def test_admin_search_finds_entries_by_actor_username_object_kind_and_dates(client, admin_user, supervisor, agent,
                                                                          conversation):
    conversation_assign(actor=supervisor, conversation=conversation, assignee=agent)
    assigned = AuditEntry.objects.get(kind=AuditKind.ASSIGN)
    other = audit_record(actor=agent, action=AuditKind.UPDATE, obj=agent)
    client.force_login(admin_user)

    def found(query: str) -> set[int]:
        response = client.get(CHANGELIST + query)
        assert response.status_code == 200
        return {e.pk for e in response.context["cl"].result_list}

    assert assigned.pk in found("?q=supervisora") and other.pk not in found("?q=supervisora")
    assert found(f"?q={conversation.pk}") >= {assigned.pk}
    assert found("?kind__exact=assign") == {assigned.pk}
    today = timezone.localdate().isoformat()
    assert {assigned.pk, other.pk} <= found(f"?timestamp__from={today}&timestamp__to={today}")
    assert not found("?timestamp__to=2020-01-01")
    html = client.get(CHANGELIST).content.decode()
    assert "crm-badge" in html and 'name="timestamp__from"' in html


def test_users_made_by_the_service_are_audited_only_with_business_fields(admin_user):
    created = AuditEntry.objects.get(content_type__model="user", object_pk=str(admin_user.pk),
                                     action=AuditEntry.Action.CREATE)
    assert created.changes["role"] == ["None", "admin"]
    assert created.changes["password"] == ["", "********"]
    assert set(created.changes) <= {"username", "role", "team", "is_active", "is_staff", "is_superuser", "password"}
    assert User.objects.get(pk=admin_user.pk).is_staff


def test_changing_a_debts_assignee_in_admin_is_recorded_with_from_and_to(client, supervisor, agent):
    from agreements.models import Debt

    debt = Debt.objects.create(contact=ContactFactory(), original_amount=Decimal("350.00"), due_since="2025-01-10",
                               reference="FAC-001", assignee=supervisor)
    client.force_login(supervisor)
    data = {"contact": debt.contact_id, "reference": "FAC-001", "original_amount": "350.00", "currency": "PEN",
            "due_since": "2025-01-10", "campaign": "", "assignee": agent.pk,
            "agreements-TOTAL_FORMS": 0, "agreements-INITIAL_FORMS": 0, "actions-TOTAL_FORMS": 0,
            "actions-INITIAL_FORMS": 0}
    response = client.post(f"/admin/agreements/debt/{debt.pk}/change/", data, REMOTE_ADDR="203.0.113.30")
    assert response.status_code == 302, response.content.decode()[:3000]

    entry = AuditEntry.objects.get(content_type__model="debt", action=AuditEntry.Action.UPDATE)
    assert (entry.kind, entry.actor, entry.remote_addr) == (AuditKind.ASSIGN, supervisor, "203.0.113.30")
    assert entry.changes == {"assignee": ["Supervisora", "Agente"]}
    assert entry.object_repr.startswith("FAC-001") and entry.team_id == agent.team_id
