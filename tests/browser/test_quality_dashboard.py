"""The quality dashboard in a real browser: Chart.js (vendored) draws every chart from the page's data blocks under
the Content Security Policy, with no violation and no script error; the supervisor sees their team only.

Screenshots in var/screenshots/quality_dashboard_*.png."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings as django_settings

from accounts.two_factor.services import totp_device_begin, totp_device_confirm
from accounts.two_factor.testing import totp_code
from tests.quality.test_dashboard import dataset  # noqa: F401 - the dashboard's known dataset

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(django_settings.BASE_DIR) / "var" / "screenshots"
CHARTS = ("chart-weeks", "chart-agents", "chart-worst", "chart-agreement", "chart-sentiment", "chart-talk",
          "chart-keywords")
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", function (e) {
  console.error("CSP violation: " + e.violatedDirective + " blocked " + (e.blockedURI || "inline"));
});
"""


def _sign_in(page, base: str, username: str, target: str, device) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}{target}")
    page.get_by_label("Usuario").fill(username)
    page.get_by_label("Contraseña").fill("pass-for-tests-123")
    page.get_by_role("button", name="Iniciar sesión").click()
    page.wait_for_url("**/accounts/two-factor/verify/**")
    page.get_by_label("Código").fill(totp_code(device))
    page.get_by_role("button", name="Verificar").click()
    page.wait_for_url(f"{base}{target}")


@pytest.mark.parametrize("role", ["supervisor", "admin_user"])
def test_every_chart_is_drawn_without_a_csp_violation_when_a_manager_opens_the_dashboard(
        live_server, browser, settings, dataset, request, role):  # noqa: F811
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
    user = request.getfixturevalue(role)
    device = totp_device_confirm(user=user, token=totp_code(totp_device_begin(user=user))).device
    context = browser.new_context(locale="es-PE", viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(15_000)
    problems: list[str] = []
    page.add_init_script(REPORT_VIOLATIONS)
    # This server speaks plain HTTP: the top bar's socket (/ws/panel/) cannot open here; no fault of the page.
    page.on("console", lambda m: problems.append(f"{m.text} {m.location}")
            if m.type == "error" and "/ws/panel/" not in m.text else None)
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.on("response", lambda r: problems.append(f"{r.status} {r.url}")
            if r.status >= 400 and "/ws/panel/" not in r.url else None)

    target = "/quality/?date_from=2026-11-01&date_to=2026-11-15"
    _sign_in(page, live_server.url, user.username, target, device)
    drawn = page.evaluate("""(ids) => ids.filter((id) => {
        const chart = window.Chart && window.Chart.getChart(document.getElementById(id));
        return chart && chart.data.datasets.length > 0 && chart.data.labels.length > 0;
    })""", list(CHARTS))
    assert drawn == list(CHARTS)
    agents = page.evaluate("window.Chart.getChart(document.getElementById('chart-agents')).data.labels")
    assert agents == (["Agente"] if role == "supervisor" else ["Agente", "Otro_agente"])
    assert page.locator("#kpi-audits").inner_text() == ("2" if role == "supervisor" else "3")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"quality_dashboard_{role}.png"), full_page=True)
    assert [p for p in problems if "/favicon.ico" not in p] == []  # the site has no favicon (not this page's)
    context.close()
