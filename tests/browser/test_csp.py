"""The pages work under the Content Security Policy, with no inline script or style exception and no violation.

Every violation the browser sees is reported to the console (Chromium's own "Refused to ..." lines, and a
``securitypolicyviolation`` listener put in every page before its scripts run); the test walks the login page,
the panel (inbox, a conversation, the board), the pipeline, the sales pages and admin (index, lists with badges
and bars, a change page with its script, the export form), using what each page's scripts do.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from accounts.models import Role
from conftest import make_user
from conversations.models import Conversation
from leads.models import Lead
from tests.browser.conftest import RESULTS
from tests.browser.live import inbound, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", function (e) {
  console.error("CSP violation: " + e.violatedDirective + " blocked " + (e.blockedURI || "inline")
                + " at " + e.sourceFile + ":" + e.lineNumber);
});
"""


def _watch(page) -> list[str]:  # type: ignore[no-untyped-def]
    violations: list[str] = []
    page.add_init_script(REPORT_VIOLATIONS)
    page.on("console", lambda message: violations.append(f"{page.url}: {message.text}")
            if "Content Security Policy" in message.text or "CSP violation" in message.text else None)
    return violations


def _visit(page, url: str, shot: str | None = None) -> None:  # type: ignore[no-untyped-def]
    response = page.goto(url)
    assert response is not None and response.ok, url
    policy = response.headers.get("content-security-policy", "")
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy and "unsafe-eval" not in policy, policy
    assert "no-store" in response.headers.get("cache-control", ""), url
    if shot:
        page.screenshot(path=str(RESULTS / shot), full_page=True)


def test_panel_pipeline_sales_and_admin_run_without_a_csp_violation(asgi_live_server, browser, page, hosts, agents,
                                                                    ai_off, post_twilio, settings):
    settings.TWO_FACTOR_REQUIRED_ROLES = []  # the admin signs in with a password only: the subject here is the CSP
    base = asgi_live_server
    lucia, _marco = agents
    violations = _watch(page)
    conversation = inbound(post_twilio, Body="Hola, quiero el plan de 200 megas en Surco")
    Conversation.objects.filter(pk=conversation.pk).update(assignee=lucia)
    Lead.objects.filter(contact=conversation.contact).update(assignee=lucia)

    page.goto(f"{base}/accounts/login/")
    page.screenshot(path=str(RESULTS / "csp-login.png"))
    log_in(page, base, "lucia")
    page.wait_for_selector("#panel[data-live='on']")  # the socket connected: connect-src allows it
    page.screenshot(path=str(RESULTS / "csp-panel-inbox.png"), full_page=True)

    _visit(page, f"{base}/panel/c/{conversation.pk}/")
    page.wait_for_selector("#panel[data-live='subscribed']")
    page.locator("#tag-form input[name=name]").fill("fibra")  # htmx swaps the tags card in place
    page.locator("#tag-form button[type=submit]").click()
    expect(page.locator("#tag-list .tag[data-tag='fibra']")).to_be_visible()
    page.screenshot(path=str(RESULTS / "csp-panel-conversation.png"), full_page=True)

    _visit(page, f"{base}/panel/kanban/")
    page.wait_for_selector("#kanban[data-live='on']")
    page.locator(f"#card-{conversation.pk}").wait_for()
    _visit(page, f"{base}/panel/pipeline/")
    page.locator(".pipeline-card").first.wait_for()
    page.screenshot(path=str(RESULTS / "csp-pipeline.png"), full_page=True)
    _visit(page, f"{base}/")
    _visit(page, f"{base}/sales/")
    with page.expect_navigation():  # the status filter submits itself (a listener, no onchange attribute)
        page.locator("select[name=status]").select_option("validated")
    assert "status=validated" in page.url
    _visit(page, f"{base}/sales/commissions/")

    make_user("administradora", Role.ADMIN)
    admin_context = browser.new_context(locale="es-PE", viewport={"width": 1280, "height": 900})
    admin = admin_context.new_page()
    admin.set_default_timeout(10_000)
    violations += _watch(admin)
    admin.goto(f"{base}/accounts/login/?next=/admin/")
    admin.get_by_label("Usuario").fill("administradora")
    admin.get_by_label("Contraseña").fill("pass-for-tests-123")
    admin.get_by_role("button", name="Iniciar sesión").click()
    admin.wait_for_url(f"{base}/admin/")
    _visit(admin, f"{base}/admin/", "csp-admin-index.png")
    _visit(admin, f"{base}/admin/leads/lead/", "csp-admin-leads.png")
    badge = admin.locator("#result_list .crm-badge").first
    expect(badge).to_be_visible()
    assert badge.evaluate("el => getComputedStyle(el).backgroundColor") != "rgba(0, 0, 0, 0)"  # styled by class
    _visit(admin, f"{base}/admin/conversations/conversation/")
    _visit(admin, f"{base}/admin/conversations/tag/")  # a tag's own colour is data: painted by static/js/admin.js
    tag_badge = admin.locator("#result_list .crm-badge[data-colour]", has_text="fibra")
    expect(tag_badge).to_have_css("background-color", "rgb(108, 117, 125)")
    _visit(admin, f"{base}/admin/leads/contact/{conversation.contact_id}/change/")
    admin.locator("#outreach-start").click()  # the outreach script, now a static file, asks the API for a text
    expect(admin.locator("#outreach-text")).not_to_have_value("")
    admin.screenshot(path=str(RESULTS / "csp-admin-contact-change.png"), full_page=True)
    _visit(admin, f"{base}/admin/reports/exportlog/export/")
    kind = admin.locator("#id_kind")
    first, second = [o for o in kind.locator("option").evaluate_all("els => els.map(e => e.value)") if o][:2]
    kind.select_option(second)
    expect(admin.locator(f".export-section[data-kind='{first}']")).to_be_hidden()
    expect(admin.locator(f".export-section[data-kind='{second}']")).to_be_visible()
    _visit(admin, f"{base}/api/docs/")
    admin.locator(".swagger-ui .opblock").first.wait_for()  # Swagger UI's start script is a file of its own too
    admin.screenshot(path=str(RESULTS / "csp-api-docs.png"))
    admin_context.close()

    assert violations == []
