"""A supervisor signs in through the Spanish login page and works the lead list in admin."""

from decimal import Decimal

import pytest

from accounts.two_factor.services import totp_device_begin, totp_device_confirm
from accounts.two_factor.testing import totp_code
from conftest import make_user
from leads.services import lead_create
from tests.leads.factories import ContactFactory
from tests.operators.factories import ProductFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_supervisor_logs_in_and_sees_hot_leads_in_admin(live_server, page):
    from accounts.models import Role

    sofia = make_user("sofia", Role.SUPERVISOR)
    enabled = totp_device_confirm(user=sofia, token=totp_code(totp_device_begin(user=sofia)))  # her phone is set up
    lead_create(actor=None, contact=ContactFactory(name="Rosa Quispe"), product=ProductFactory(),
                budget=Decimal("150"), zone="Surco", address="Av. Primavera 1200", conversation_count=1)
    lead_create(actor=None, contact=ContactFactory(name="Luis Flores"))

    page.goto(f"{live_server.url}/admin/")
    assert "/accounts/login/" in page.url
    assert page.get_by_role("button", name="Iniciar sesión").is_visible()
    page.get_by_label("Usuario").fill("sofia")
    page.get_by_label("Contraseña").fill("pass-for-tests-123")
    page.get_by_role("button", name="Iniciar sesión").click()
    page.wait_for_url(f"{live_server.url}/accounts/two-factor/verify/")  # supervisors use two-step verification
    page.get_by_label("Código").fill(totp_code(enabled.device))
    page.get_by_role("button", name="Verificar").click()
    page.wait_for_url(f"{live_server.url}/admin/")
    assert "CRM de ventas" in page.title()

    page.goto(f"{live_server.url}/admin/leads/lead/?classification__exact=HOT")
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 1
    assert "Rosa Quispe" in rows.first.inner_text()
    assert rows.first.locator(".crm-badge").first.inner_text() == "Caliente"


def test_wrong_password_shows_an_error_and_stays_on_login(live_server, page):
    from accounts.models import Role

    make_user("lucia", Role.AGENT)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Usuario").fill("lucia")
    page.get_by_label("Contraseña").fill("nope")
    page.get_by_role("button", name="Iniciar sesión").click()
    assert page.locator(".alert-danger").is_visible()
    assert "/accounts/login/" in page.url
