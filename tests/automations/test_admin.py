"""The back office: a supervisor writes rules for their team (WHEN · IF · THEN with inline actions), reads the
company-wide ones, and reads the run log with its results; the rule list shows runs, failures and the last run."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from automations.models import AutomationAction, AutomationRule, AutomationRun
from tests.automations.factories import customer_message, emit, make_conversation, make_rule

pytestmark = pytest.mark.django_db

RULES = reverse("admin:automations_automationrule_changelist")
RUNS = reverse("admin:automations_automationrun_changelist")


@pytest.fixture
def client():  # type: ignore[no-untyped-def]
    """Pages in English, read by the assertions."""
    return Client(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def supervisor_client(client, supervisor):  # type: ignore[no-untyped-def]
    """The rows asked for in notes/requests_H6.md (rules and actions: all; runs: view), given to this user."""
    codenames = [f"{verb}_{model}" for model in ("automationrule", "automationaction")
                 for verb in ("view", "add", "change", "delete")] + ["view_automationrun"]
    supervisor.user_permissions.add(*Permission.objects.filter(content_type__app_label="automations",
                                                               codename__in=codenames))
    client.force_login(supervisor)
    return client


@pytest.fixture
def admin_client_(client, admin_user):  # type: ignore[no-untyped-def]
    client.force_login(admin_user)
    return client


def ran_rules(agent, capture):  # type: ignore[no-untyped-def]
    """One rule that worked twice, one that failed once, one that never ran."""
    good = make_rule("conversation.escalated", name="Etiquetar escalados", team=agent.team)
    bad = make_rule("conversation.escalated", {"kind": "notify", "notify_assignee": True}, name="Avisar sin nadie")
    idle = make_rule("sale.validated", name="Venta validada")
    for _ in range(2):
        conversation = make_conversation(assignee=None)
        emit(capture, "conversation.escalated", conversation_id=conversation.pk, reason="human_request")
    return good, bad, idle


def test_rule_list_shows_runs_failures_and_last_run(admin_client_, agent, django_capture_on_commit_callbacks):
    good, bad, idle = ran_rules(agent, django_capture_on_commit_callbacks)
    # the team rule does not run for these unassigned conversations of an account with no team
    AutomationRun.objects.create(rule=good, event=good.trigger, status="ok")
    page = admin_client_.get(RULES).content.decode()
    assert "Etiquetar escalados" in page and "Avisar sin nadie" in page and "Venta validada" in page
    assert f"?rule__id__exact={bad.pk}&amp;status__exact=failed" in page
    assert "Never" in page  # the sale rule
    assert 'crm-badge crm-bg-danger">Failed' in page and 'crm-badge crm-bg-success">Done' in page


def test_rule_list_queries_stay_flat_when_rules_grow(admin_client_, agent, django_capture_on_commit_callbacks):
    ran_rules(agent, django_capture_on_commit_callbacks)
    admin_client_.get(RULES)
    with CaptureQueriesContext(connection) as few:
        assert admin_client_.get(RULES).status_code == 200
    for n in range(10):
        make_rule("message.received", name=f"Otra {n}", text_contains="precio")
    with CaptureQueriesContext(connection) as many:
        assert admin_client_.get(RULES).status_code == 200
    assert len(many) == len(few)


def test_admin_writes_a_rule_with_its_actions_in_one_form(admin_client_, agent):
    data = {
        "name": "HOT fuera de horario", "trigger": "lead.hot", "team": "", "position": "10", "is_active": "on",
        "description": "", "channel": "whatsapp", "lead_temperature": "", "intent": "", "text_contains": "",
        "business_hours": "outside",
        "actions-TOTAL_FORMS": "2", "actions-INITIAL_FORMS": "0", "actions-MIN_NUM_FORMS": "1",
        "actions-MAX_NUM_FORMS": "1000",
        "actions-0-position": "0", "actions-0-kind": "set_priority", "actions-0-priority": "high",
        "actions-0-delay_minutes": "60",
        "actions-1-position": "1", "actions-1-kind": "notify", "actions-1-notify_supervisors": "on",
        "actions-1-text": "Lead caliente fuera de horario", "actions-1-delay_minutes": "60",
    }
    response = admin_client_.post(reverse("admin:automations_automationrule_add"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    rule = AutomationRule.objects.get()
    assert (rule.trigger, rule.channel, rule.business_hours, rule.team) == ("lead.hot", "whatsapp", "outside", None)
    assert list(rule.actions.values_list("kind", flat=True)) == ["set_priority", "notify"]


def test_an_action_missing_what_its_kind_needs_is_refused(admin_client_):
    data = {
        "name": "Sin etiqueta", "trigger": "message.received", "position": "10", "is_active": "on",
        "business_hours": "", "actions-TOTAL_FORMS": "1", "actions-INITIAL_FORMS": "0",
        "actions-MIN_NUM_FORMS": "1", "actions-MAX_NUM_FORMS": "1000",
        "actions-0-position": "0", "actions-0-kind": "add_tag", "actions-0-delay_minutes": "60",
    }
    response = admin_client_.post(reverse("admin:automations_automationrule_add"), data)
    assert response.status_code == 200 and "Write the tag." in response.content.decode()
    assert not AutomationRule.objects.exists() and not AutomationAction.objects.exists()


def test_supervisor_sees_their_team_and_company_rules_and_edits_only_their_team(
        supervisor_client, supervisor, team, other_team):
    ours = make_rule("message.received", name="Regla del equipo", team=team)
    company = make_rule("message.received", name="Regla de la empresa")
    theirs = make_rule("message.received", name="Regla de otro equipo", team=other_team)
    page = supervisor_client.get(RULES).content.decode()
    assert "Regla del equipo" in page and "Regla de la empresa" in page and "Regla de otro equipo" not in page
    other = reverse("admin:automations_automationrule_change", args=[theirs.pk])
    assert supervisor_client.get(other).status_code == 404
    # The company's rule opens read-only: a post changes nothing.
    url = reverse("admin:automations_automationrule_change", args=[company.pk])
    assert supervisor_client.get(url).status_code == 200
    supervisor_client.post(url, {"name": "Cambiada", "trigger": "message.received", "position": "1"})
    company.refresh_from_db()
    assert company.name == "Regla de la empresa"
    assert supervisor_client.get(reverse("admin:automations_automationrule_change", args=[ours.pk])).status_code == 200


def test_supervisor_must_name_their_team_for_a_new_rule(supervisor_client, team):
    data = {"name": "Para todos", "trigger": "message.received", "team": "", "position": "10", "is_active": "on",
            "business_hours": "", "actions-TOTAL_FORMS": "1", "actions-INITIAL_FORMS": "0",
            "actions-MIN_NUM_FORMS": "1", "actions-MAX_NUM_FORMS": "1000",
            "actions-0-position": "0", "actions-0-kind": "add_tag", "actions-0-tag_name": "x",
            "actions-0-delay_minutes": "60"}
    url = reverse("admin:automations_automationrule_add")
    response = supervisor_client.post(url, data)
    assert response.status_code == 200 and "Choose your team" in response.content.decode()
    assert supervisor_client.post(url, {**data, "team": str(team.pk)}).status_code == 302
    assert AutomationRule.objects.get().team == team


def test_run_log_is_read_only_with_results_and_filters(supervisor_client, supervisor, agent, team, other_team,
                                                      django_capture_on_commit_callbacks):
    conversation = make_conversation(assignee=agent)
    rule = make_rule("conversation.escalated", {"kind": "add_tag", "tag_name": "ok"},
                     {"kind": "create_followup", "text": "x", "delay_minutes": 5}, team=team)
    hidden = make_rule("conversation.escalated", team=other_team, name="Otro equipo")
    AutomationRun.objects.create(rule=hidden, event=hidden.trigger, status="ok")
    emit(django_capture_on_commit_callbacks, "conversation.escalated", conversation_id=conversation.pk,
         reason="human_request")
    run = AutomationRun.objects.get(rule=rule)
    listing = supervisor_client.get(RUNS + "?status__exact=ok").content.decode()
    detail = supervisor_client.get(reverse("admin:automations_automationrun_change", args=[run.pk]))
    assert f"/panel/c/{conversation.pk}/" in listing and "Otro equipo" not in listing
    assert detail.status_code == 200
    body = detail.content.decode()
    # Each action's result as the run stored it (in the language the rule ran in), and what it did.
    assert [r["kind"] for r in run.results] == ["add_tag", "create_followup"] and all(r["ok"] for r in run.results)
    assert all(r["label"] in body and r["detail"] in body for r in run.results)
    assert supervisor_client.get(reverse("admin:automations_automationrun_add")).status_code == 403
    supervisor_client.post(reverse("admin:automations_automationrun_delete", args=[run.pk]), {"post": "yes"})
    assert AutomationRun.objects.filter(pk=run.pk).exists()


def test_agents_cannot_open_the_rules(client, agent):
    client.force_login(agent)
    assert client.get(RULES).status_code in (302, 403)


def test_a_rule_page_tries_the_saved_conditions_on_recent_events_without_running_them(admin_client_):
    rule = make_rule("message.received", {"kind": "add_tag", "tag_name": "precio"}, text_contains="precio")
    conversation = make_conversation(name="Rosa Quispe")
    for text in ("¿Qué precio tiene?", "Hola", "El PRECIO final por favor"):
        customer_message(conversation, text)
    page = admin_client_.get(reverse("admin:automations_automationrule_change", args=[rule.pk])).content.decode()
    assert "Of the last 3 events, 2 would run this rule" in page
    assert page.count(f"/panel/c/{conversation.pk}/") >= 2
    assert not AutomationRun.objects.exists() and not conversation.tags.exists()
