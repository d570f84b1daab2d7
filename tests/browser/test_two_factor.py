"""A supervisor's first login sets up two-step verification; the next login takes the password and a code.

The test plays the phone: it reads the key the setup page shows and computes the codes from it, as an
authenticator app does. Screenshots: two-factor-setup.png, two-factor-recovery-codes.png, two-factor-code.png.
"""

from __future__ import annotations

import base64
import time

import pytest
from django_otp.oath import totp

from accounts.models import Role
from conftest import make_user
from tests.browser.conftest import RESULTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", function (e) {
  console.error("CSP violation: " + e.violatedDirective + " blocked " + (e.blockedURI || "inline"));
});
"""


class Phone:
    """An authenticator app holding the key typed in from the setup page."""

    def __init__(self, typed_key: str) -> None:
        compact = typed_key.replace(" ", "")
        self.key = base64.b32decode(compact + "=" * (-len(compact) % 8))

    def code(self) -> str:
        return f"{totp(self.key):06d}"

    def next_code(self) -> str:
        """The code of the next 30-second window (a code already used is never accepted twice)."""
        window = int(time.time()) // 30
        while int(time.time()) // 30 == window:
            time.sleep(0.5)
        return self.code()


def test_supervisor_sets_up_two_factor_then_logs_in_with_a_code(live_server, page, hosts):
    make_user("sofia", Role.SUPERVISOR)
    violations: list[str] = []
    page.add_init_script(REPORT_VIOLATIONS)
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text
            or "CSP violation" in m.text else None)

    page.goto(f"{live_server.url}/admin/")
    page.get_by_label("Usuario").fill("sofia")
    page.get_by_label("Contraseña").fill("pass-for-tests-123")
    page.get_by_role("button", name="Iniciar sesión").click()
    page.wait_for_url(f"{live_server.url}/accounts/two-factor/setup/")
    assert page.get_by_role("heading", name="Configura la verificación en dos pasos").is_visible()
    qr = page.get_by_role("img", name="Código QR para la aplicación de autenticación")
    assert qr.evaluate("img => img.complete && img.naturalWidth > 0")  # the QR code is drawn
    page.screenshot(path=str(RESULTS / "two-factor-setup.png"), full_page=True)

    phone = Phone(page.locator("#two-factor-secret").inner_text())
    page.get_by_label("Código").fill(phone.code())
    page.get_by_role("button", name="Confirmar y activar").click()
    page.wait_for_url(f"{live_server.url}/accounts/two-factor/recovery-codes/")
    codes = page.locator(".recovery-code").all_inner_texts()
    assert len(codes) == 10 and len(set(codes)) == 10
    assert page.get_by_role("button", name="Imprimir").is_visible()
    page.screenshot(path=str(RESULTS / "two-factor-recovery-codes.png"), full_page=True)
    with page.expect_download() as download:
        page.get_by_role("link", name="Descargar").click()
    saved = open(download.value.path(), encoding="utf-8").read()  # noqa: SIM115 - read once
    assert all(code in saved for code in codes)
    page.get_by_role("link", name="Ya los guardé, continuar").click()
    page.wait_for_url(f"{live_server.url}/admin/")

    page.locator("#logout-form button").click()
    page.wait_for_url(f"{live_server.url}/accounts/login/")
    page.goto(f"{live_server.url}/admin/")
    page.get_by_label("Usuario").fill("sofia")
    page.get_by_label("Contraseña").fill("pass-for-tests-123")
    page.get_by_role("button", name="Iniciar sesión").click()
    page.wait_for_url(f"{live_server.url}/accounts/two-factor/verify/")
    assert page.get_by_role("heading", name="Verificación en dos pasos").is_visible()
    page.get_by_label("Código").fill(phone.next_code())
    page.screenshot(path=str(RESULTS / "two-factor-code.png"), full_page=True)
    page.get_by_role("button", name="Verificar").click()
    page.wait_for_url(f"{live_server.url}/admin/")
    assert "CRM de ventas" in page.title()
    assert page.get_by_role("link", name="Seguridad").is_visible()
    assert violations == []
