"""A supervisor, in a real browser, reads the automation rules (runs, failures, last result), opens a rule with its
actions, then the run log and a failed run's results. Screenshots in /tmp/shots/automations-*.png."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission

from accounts.models import Role, Team
from accounts.two_factor.services import totp_device_begin, totp_device_confirm
from accounts.two_factor.testing import totp_code
from automations.engine import event_rules_run
from automations.models import AutomationRun
from conftest import CHROMIUM, make_user
from core.events import Event
from tests.automations.factories import customer_message, make_conversation, make_rule

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("SHOTS_DIR", "/tmp/shots"))  # noqa: S108 - screenshots to look at, nothing secret
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def _sign_in(page, live_server, user) -> None:  # type: ignore[no-untyped-def]
    enabled = totp_device_confirm(user=user, token=totp_code(totp_device_begin(user=user)))
    page.goto(f"{live_server.url}/admin/")
    page.get_by_label("Usuario").fill(user.username)
    page.get_by_label("Contraseña").fill("pass-for-tests-123")
    page.get_by_role("button", name="Iniciar sesión").click()
    page.wait_for_url(f"{live_server.url}/accounts/two-factor/verify/")
    page.get_by_label("Código").fill(totp_code(enabled.device))
    page.get_by_role("button", name="Verificar").click()
    page.wait_for_url(f"{live_server.url}/admin/")


def test_a_supervisor_reads_rules_and_runs_in_the_back_office(live_server, settings):
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"needs Chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
    team = Team.objects.create(name="Equipo Lima")
    sofia = make_user("sofia", Role.SUPERVISOR, team)
    team.supervisor = sofia
    team.save()
    sofia.user_permissions.add(*Permission.objects.filter(  # the rows asked for in notes/requests_H6.md
        content_type__app_label="automations").exclude(codename__in=["add_automationrun", "change_automationrun",
                                                                    "delete_automationrun"]))
    lucia = make_user("lucia", Role.AGENT, team)
    make_rule("conversation.escalated", {"kind": "add_tag", "tag_name": "escalado"},
                       {"kind": "set_priority", "priority": "high"},
                       {"kind": "notify", "notify_assignee": True, "text": "{nombre} necesita ayuda"},
                       name="Escalados: prioridad alta y aviso", team=team, text_contains="reclamo, queja")
    make_rule("conversation.escalated", {"kind": "create_followup", "text": "¿Pudimos ayudarte?",
                                         "delay_minutes": 120},
              name="Seguimiento de escalados", position=200)
    make_rule("lead.hot", {"kind": "notify", "notify_supervisors": True}, name="Lead caliente: avisar",
              lead_temperature="HOT", business_hours="outside", team=team)
    for assignee in (lucia, None, lucia):
        conversation = make_conversation(assignee=assignee, name="Rosa Quispe")
        customer_message(conversation, "Quiero poner un reclamo")
        event_rules_run(Event("conversation.escalated", {"conversation_id": conversation.pk, "reason": "complaint"}))
    SHOTS.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
        page = browser.new_context(locale="es-PE", viewport={"width": 1366, "height": 900}).new_page()
        page.set_default_timeout(10_000)
        page.on("console", lambda m: errors.append(f"{m.text} {m.location}")
                if m.type == "error" and "favicon.ico" not in str(m.location) else None)
        _sign_in(page, live_server, sofia)
        page.goto(f"{live_server.url}/admin/automations/automationrule/")
        assert page.locator("#result_list tbody tr").count() == 3
        assert page.locator("#result_list .crm-badge").count() >= 2
        page.screenshot(path=str(SHOTS / "automations-rules.png"), full_page=True)
        page.get_by_role("link", name="Escalados: prioridad alta y aviso").click()
        page.wait_for_selector("#actions-group")
        # Each action shows only what its kind reads: the tag's name, not the template or the people to notify.
        first = page.locator("#actions-group .inline-related").first
        assert first.locator(".form-row.field-tag_name").is_visible()
        assert not first.locator(".form-row.field-template").is_visible()
        first.locator("select[name$='-kind']").select_option("send_template")
        assert first.locator(".form-row.field-template").is_visible()
        assert not first.locator(".form-row.field-tag_name").is_visible()
        first.locator("select[name$='-kind']").select_option("add_tag")
        page.screenshot(path=str(SHOTS / "automations-rule.png"), full_page=True)
        page.goto(f"{live_server.url}/admin/automations/automationrun/")
        page.screenshot(path=str(SHOTS / "automations-runs.png"), full_page=True)
        assert page.locator("#result_list .crm-bg-danger").count() >= 1  # the follow-up nobody could own
        failed = AutomationRun.objects.filter(status="failed").first()
        page.goto(f"{live_server.url}/admin/automations/automationrun/{failed.pk}/change/")
        reason = next(r["detail"] for r in failed.results if not r["ok"])  # as stored, in the rule's language
        assert "conversation" in reason or "conversación" in reason
        assert page.get_by_role("cell", name=reason).is_visible()
        page.screenshot(path=str(SHOTS / "automations-run.png"), full_page=True)
        browser.close()
    assert not errors, errors
