"""The supervisors' dashboard in a real browser: every chart is drawn by the vendored Chart.js under the Content
Security Policy with no script error, a filter picked in the bar reloads the figures, and a chart downloads as the
CSV the page links to, for a supervisor (their team) and an admin (everyone).

Screenshots in test-results/dashboard_*.png."""

from __future__ import annotations

import csv
import io

import pytest

from accounts.two_factor.services import totp_device_begin, totp_device_confirm
from accounts.two_factor.testing import totp_code
from tests.browser.conftest import RESULTS
from tests.dashboard.test_page_views import RANGE, shop  # noqa: F401 - the page tests' known dataset

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", function (e) {
  console.error("CSP violation: " + e.violatedDirective + " blocked " + (e.blockedURI || "inline"));
});
"""
# Every canvas of the page has a chart whose pixels are not all blank.
DRAWN = """() => Array.from(document.querySelectorAll(".dash-chart-box canvas")).map((canvas) => {
    const chart = window.Chart && window.Chart.getChart(canvas);
    const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
    let inked = 0;
    for (let i = 3; i < pixels.length; i += 4) { if (pixels[i] > 0) { inked += 1; } }
    return {id: canvas.id, chart: Boolean(chart), inked: inked > 200,
            loading: canvas.parentNode.classList.contains("is-loading")};
})"""
BOARDS = {
    "supervisor": [["Agent", "Leads", "Conversations", "Sales", "Revenue", "Commissions", "Quality score", "Calls",
                    "CSAT"], ["Agente", "2", "2", "2", "350.5", "0", "", "0", ""]],
    "admin_user": [["Agent", "Leads", "Conversations", "Sales", "Revenue", "Commissions", "Quality score", "Calls",
                    "CSAT"], ["Otro_agente", "1", "1", "1", "999", "0", "", "0", ""],
                   ["Agente", "2", "2", "2", "350.5", "0", "", "0", ""]],
}


def _sign_in(page, base: str, username: str, target: str, device) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}{target}")
    page.get_by_label("Username").fill(username)  # the browser asks for English: the texts below are msgids
    page.get_by_label("Password").fill("pass-for-tests-123")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/accounts/two-factor/verify/**")
    page.get_by_label("Code").fill(totp_code(device))
    page.get_by_role("button", name="Verify").click()
    page.wait_for_url(f"{base}{target}")


@pytest.mark.parametrize("role", ["supervisor", "admin_user"])
def test_charts_draw_a_filter_reloads_and_a_chart_downloads_when_a_manager_uses_the_dashboard(
        live_server, browser, settings, shop, request, role):  # noqa: F811
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
    user = request.getfixturevalue(role)
    device = totp_device_confirm(user=user, token=totp_code(totp_device_begin(user=user))).device
    context = browser.new_context(locale="en-US", viewport={"width": 1366, "height": 768}, accept_downloads=True,
                                  extra_http_headers={"Accept-Language": "en"})
    page = context.new_page()
    page.set_default_timeout(15_000)
    problems: list[str] = []
    page.add_init_script(REPORT_VIOLATIONS)
    # This server speaks plain HTTP: the top bar's socket (/ws/panel/) cannot open here; no fault of the page.
    page.on("console", lambda m: problems.append(f"{m.text} {m.location}")
            if m.type == "error" and "/ws/panel/" not in m.text else None)
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.on("response", lambda r: problems.append(f"{r.status} {r.url}")
            if r.status >= 400 and "/ws/panel/" not in r.url and "/favicon.ico" not in r.url else None)

    target = f"/dashboard/?from={RANGE['from']}&to={RANGE['to']}"
    _sign_in(page, live_server.url, user.username, target, device)

    drawn = page.evaluate(DRAWN)
    expected = page.evaluate("Object.keys(JSON.parse(document.getElementById('dashboard-charts').textContent))")
    assert [d["id"] for d in drawn] == expected  # a canvas for every chart with data, and only for those
    assert {"chart-leads-by-temperature", "chart-leads-by-stage", "chart-funnel", "chart-revenue-by-day",
            "chart-installation-states"} <= set(expected)
    assert [d["id"] for d in drawn if not (d["chart"] and d["inked"]) or d["loading"]] == []
    assert page.locator("#chart-peak-hours td.dash-heat-5").count() == 1  # Tuesday 10:00, the busiest hour
    assert page.locator("#kpi-leads-total").inner_text() == ("2" if role == "supervisor" else "3")
    RESULTS.mkdir(exist_ok=True)
    page.screenshot(path=str(RESULTS / f"dashboard_{role}.png"), full_page=True)

    # A chart downloads as the CSV of what the page shows (the leaderboard: the user's scope only).
    with page.expect_download() as download:
        page.locator("#export-leaderboard-csv").click()
    assert download.value.suggested_filename == f"leaderboard_{RANGE['from']}_{RANGE['to']}.csv"
    content = download.value.path().read_bytes().decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(content))) == BOARDS[role]

    # Picking a channel in the bar reloads the page with it (the select sends the form on its own).
    page.locator("#id_channel").select_option("whatsapp")
    page.wait_for_url("**channel=whatsapp**")
    assert page.locator("#kpi-conversations-total").inner_text() == "2"
    assert page.locator("#dash-range").inner_text().endswith("Channel: WhatsApp")
    assert page.evaluate(DRAWN) != []

    assert problems == []
    context.close()
