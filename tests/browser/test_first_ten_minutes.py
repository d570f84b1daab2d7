"""A newcomer's first ten minutes on a `make run`-equivalent database (create_roles, seed_demo, sandbox on):
the demo agent's inbox is full at once, the supervisor sees quotes, sales and commissions, and a customer played
from /sandbox/ gets the AI's answer, shows up live in the panel and gets the agent's Enter-sent reply.
Screenshots go to ``var/screenshots/first-ten-minutes-*.png`` (not committed).
"""

from __future__ import annotations

import io
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from playwright.sync_api import expect

from accounts.models import User
from accounts.two_factor.services import totp_device_begin, totp_device_confirm
from accounts.two_factor.testing import totp_code
from conversations.models import Conversation
from integrations.base import Provider
from tests.browser.live import off_loop
from tests.conversations.conftest import drain

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(django_settings.BASE_DIR) / "var" / "screenshots"


@pytest.fixture
def demo(settings, hosts):  # type: ignore[no-untyped-def]
    """What `make run` does before it serves: roles, the demo, the sandbox on (embedded mode)."""
    settings.SANDBOX_ENABLED = True
    SHOTS.mkdir(parents=True, exist_ok=True)
    # In a worker thread, as the browser tests' webhooks: Playwright's loop here forbids publishing's async_to_sync.
    off_loop(call_command, "create_roles", stdout=io.StringIO())
    off_loop(call_command, "seed_demo", contacts=40, stdout=io.StringIO())
    return settings


def _drain_until(locator, *, seconds: float = 15.0) -> None:  # type: ignore[no-untyped-def]
    """Run the workers' part until ``locator`` shows: with Redis, tasks wait in the broker for the next drain,
    and the page's own requests reach the server on their own time."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        off_loop(drain)
        if locator.count():
            return
        time.sleep(0.2)
    locator.first.wait_for(timeout=5_000)  # the frame of the last drain's work may still be on its way


def _log_in(page, base: str, username: str, password: str, *, code: str = "") -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Usuario").fill(username)
    page.get_by_label("Contraseña").fill(password)
    page.get_by_role("button", name="Iniciar sesión").click()
    if code:
        page.wait_for_url(f"{base}/accounts/two-factor/verify/**")
        page.get_by_label("Código").fill(code)
        page.get_by_role("button", name="Verificar").click()
    page.wait_for_load_state()


def test_demo_agent_sees_a_full_inbox_and_the_supervisor_sees_quotes_sales_and_commissions(
    asgi_live_server, browser, page, demo
):
    base = asgi_live_server
    _log_in(page, base, "agente1", "agente-demo-2026")
    page.goto(f"{base}/panel/?tab=mine")
    rows = page.locator("a[id^='row-']")
    expect(rows.first).to_be_visible()
    assert rows.count() >= 3  # the demo gives each agent open conversations
    rows.first.click()
    expect(page.locator("#messages .msg-customer").first).to_be_visible()
    page.screenshot(path=str(SHOTS / "first-ten-minutes-agent-inbox.png"), full_page=True)

    supervisor = User.objects.get(username="supervisor")
    enabled = off_loop(lambda: totp_device_confirm(user=supervisor,
                                                   token=totp_code(totp_device_begin(user=supervisor))))
    context = browser.new_context(locale="es-PE", viewport={"width": 1280, "height": 900})
    boss = context.new_page()
    try:
        _log_in(boss, base, "supervisor", "supervisor-demo-2026", code=totp_code(enabled.device))
        boss.goto(f"{base}/sales/")
        expect(boss.locator("body")).to_contain_text("VTA-")  # sales numbered by the product
        expect(boss.locator("body")).to_contain_text("COT-")  # pending quotes
        expect(boss.locator("body")).to_contain_text("S/ ")  # money as Peru writes it
        boss.screenshot(path=str(SHOTS / "first-ten-minutes-supervisor-sales.png"), full_page=True)
        boss.goto(f"{base}/sales/commissions/")
        expect(boss.locator("body")).to_contain_text("S/ ")
        boss.screenshot(path=str(SHOTS / "first-ten-minutes-supervisor-commissions.png"), full_page=True)
    finally:
        context.close()


def test_a_customer_played_in_the_sandbox_reaches_the_demo_agent_live_and_gets_the_reply(
    asgi_live_server, browser, page, demo
):
    base = asgi_live_server
    # With a broker (Redis), the seed's own work waits in it for the workers a deployment runs; they would have
    # done it by now. Done here, so the deadlines below are for this customer's messages only.
    off_loop(drain)
    _log_in(page, base, "agente1", "agente-demo-2026")
    page.goto(f"{base}/panel/?tab=all")
    page.wait_for_selector("#panel[data-live='on']")

    context = browser.new_context(locale="es-PE", viewport={"width": 1100, "height": 900})
    phone = context.new_page()
    phone.set_default_timeout(15_000)
    try:
        phone.goto(f"{base}/sandbox/")
        phone.locator("#sandbox-name").fill("Carla Núñez")
        phone.locator("#sandbox-phone").fill("+56 9 1234 5678")  # a Chilean customer
        phone.locator("#sandbox-start-button").click()
        phone.wait_for_selector("#sandbox[data-live='on']")
        box = phone.locator("#sandbox-text")
        box.fill("Hola, ¿tienen el iPhone 15 en stock?")
        box.press("Enter")
        phone.locator(".sb-mine", has_text="iPhone 15").wait_for()
        _drain_until(phone.locator(".sb-theirs"))  # the workers' part (in process under make run)
        expect(phone.locator(".sb-theirs").first.locator(".sb-label")).to_have_text("Asistente de IA")
        phone.screenshot(path=str(SHOTS / "first-ten-minutes-sandbox-ai.png"), full_page=True)

        conversation = Conversation.objects.get(channel_account__provider=Provider.SANDBOX)
        row = page.locator(f"#row-{conversation.pk}")
        row.wait_for()  # live, without a reload
        row.click()
        page.wait_for_url(f"{base}/panel/c/{conversation.pk}/**")
        page.locator("#take-button").click()
        composer = page.locator("#composer-text")
        composer.fill("¡Hola Carla! Sí, tenemos el iPhone 15 de 128 GB.")
        composer.press("Enter")
        page.locator("#messages .msg-agent", has_text="tenemos el iPhone 15").wait_for()
        reply = phone.locator(".sb-theirs", has_text="tenemos el iPhone 15")
        _drain_until(reply)
        expect(reply.locator(".sb-label")).to_have_text("Agente")
        page.screenshot(path=str(SHOTS / "first-ten-minutes-panel-reply.png"), full_page=True)
        phone.screenshot(path=str(SHOTS / "first-ten-minutes-sandbox-reply.png"), full_page=True)
    finally:
        context.close()
