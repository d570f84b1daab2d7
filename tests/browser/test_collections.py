"""The collector's screen in a real browser (issue 16, "Must show"): an agent opens /collections/, opens a debt,
logs a call whose result is "promise to pay" (amount and date), sees it in the log and the status badge change,
then opens the calendar's week view and finds the promise on its day. No CSP violation on the way.

Screenshots in /tmp/shots/collections_*.png."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone

from accounts.models import Role, Team
from accounts.two_factor.services import totp_device_begin, totp_device_confirm
from accounts.two_factor.testing import totp_code
from agreements.models import CollectionAction, ContactStatus, Debt
from agreements.services import collection_action_log, collection_agreement_create, payment_record
from conftest import make_user
from tests.agreements.factories import DebtFactory
from tests.browser.live import off_loop

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots")  # noqa: S108 - where the issue asks for them; nothing is read back
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", function (e) {
  console.error("CSP violation: " + e.violatedDirective + " blocked " + (e.blockedURI || "inline"));
});
"""


def _shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"collections_{name}.png"), full_page=True)


def _world():  # type: ignore[no-untyped-def]
    """Lucía collects four debts: one untouched (Rosa), one with no answer and a call back, one with an agreement
    partly paid, one with a promise; Marco (same team) has his own."""
    team = Team.objects.create(name="Equipo Lima")
    lucia = make_user("lucia", Role.AGENT, team)
    marco = make_user("marco", Role.AGENT, team)
    today = timezone.localdate()
    rosa = DebtFactory(assignee=lucia, contact__name="Rosa Quispe", contact__phone="+51987654321",
                       original_amount=Decimal("1200.00"), campaign="Cartera marzo", reference="DEU-1001")
    jorge = DebtFactory(assignee=lucia, contact__name="Jorge Huamán", contact__phone="+51912345678",
                        original_amount=Decimal("850.00"), reference="DEU-1002")
    collection_action_log(actor=lucia, debt=jorge, kind="call", result=ContactStatus.NO_ANSWER,
                          next_step="Llamar después del almuerzo",
                          next_step_at=timezone.make_aware(datetime.combine(today + timedelta(days=1), time(15, 0))))
    carmen = DebtFactory(assignee=lucia, contact__name="Carmen Flores", contact__phone="+51955511122",
                         original_amount=Decimal("2000.00"), campaign="Cartera abril", reference="DEU-1003")
    agreement = collection_agreement_create(actor=lucia, debt=carmen, discount_percent=10, installments=4,
                                            first_due_date=today + timedelta(days=2), interval_days=7)
    payment_record(actor=lucia, agreement=agreement, amount=Decimal("200.00"))  # the first instalment, in part
    luis = DebtFactory(assignee=lucia, contact__name="Luis Ramos", contact__phone="+51933322211",
                       original_amount=Decimal("640.00"), reference="DEU-1004")
    collection_action_log(actor=lucia, debt=luis, kind="visit", result=ContactStatus.PROMISE_TO_PAY,
                          promised_amount="200.00", promised_date=today + timedelta(days=3))
    DebtFactory(assignee=marco, contact__name="Deudor de Marco")
    return lucia, rosa, carmen


def test_promise_appears_in_the_log_badge_and_week_calendar_when_a_collector_logs_it(live_server, browser, settings):
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
    base = live_server.url
    _lucia, rosa, carmen = off_loop(_world)  # the services publish events: not from Playwright's loop
    today = timezone.localdate()
    promised = today + timedelta(days=2)

    context = browser.new_context(locale="es-PE", viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(15_000)
    problems: list[str] = []
    page.add_init_script(REPORT_VIOLATIONS)
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" and "CSP" in m.text else None)
    page.on("pageerror", lambda exc: problems.append(str(exc)))

    page.goto(f"{base}/collections/")
    page.get_by_label("Usuario").fill("lucia")
    page.get_by_label("Contraseña").fill("pass-for-tests-123")
    page.get_by_role("button", name="Iniciar sesión").click()
    page.wait_for_url(f"{base}/collections/")
    rows = page.locator("#work-table .debt-row")
    assert rows.count() == 4  # her debts only, not Marco's
    assert page.locator(f".debt-row[data-debt='{rosa.pk}']").get_attribute("data-status") == "not_contacted"
    _shot(page, "1_work_list")

    page.locator(f".debt-row[data-debt='{rosa.pk}'] a.debt-link").click()
    page.wait_for_url(f"{base}/collections/debts/{rosa.pk}/")
    assert page.locator("#debt-status").get_attribute("data-status") == "not_contacted"
    assert page.locator("#promise-fields").is_hidden()  # only for a promise to pay

    form = page.locator("#action-form")
    form.locator("#id_action-kind").select_option("call")
    form.locator("#id_action-result").select_option("promise_to_pay")
    assert page.locator("#promise-fields").is_visible()
    form.locator("#id_action-promised_amount").fill("300.00")
    form.locator("#id_action-promised_date").fill(promised.isoformat())
    form.locator("#id_action-notes").fill("Cobra el viernes; pagará por transferencia.")
    form.locator("#id_action-next_step").fill("Confirmar que llegó la transferencia")
    form.locator("#id_action-next_step_at").fill(f"{promised.isoformat()}T16:30")
    form.locator("#action-submit").click()
    page.wait_for_selector("#debt-status[data-status='promise_to_pay']")

    first = page.locator("#action-log .timeline-item").first
    assert first.get_attribute("data-result") == "promise_to_pay"
    assert "300.00" in first.locator(".promise-line").inner_text()
    assert "16:30" in first.locator(".next-step-line").inner_text()
    action = CollectionAction.objects.get(debt=rosa)
    assert (action.promised_amount, action.promised_date) == (Decimal("300.00"), promised)
    assert Debt.objects.get(pk=rosa.pk).contact_status == ContactStatus.PROMISE_TO_PAY
    _shot(page, "2_debt_after_promise")

    page.locator("a[href='/collections/calendar/']").first.click()
    page.wait_for_selector("#calendar[data-view='week']")
    if promised - timedelta(days=promised.weekday()) != today - timedelta(days=today.weekday()):
        page.locator("#calendar-next").click()  # the promise falls in next week
        page.wait_for_selector(f".calendar-day[data-date='{promised.isoformat()}']")
    assert page.locator("#calendar .calendar-day").count() == 7
    entry = page.locator(f".calendar-day[data-date='{promised.isoformat()}'] "
                         f".calendar-entry[data-kind='promise'][data-debt='{rosa.pk}']")
    assert entry.count() == 1
    assert "Rosa Quispe" in entry.inner_text() and "300.00" in entry.inner_text()
    _shot(page, "3_calendar_week")

    page.locator(f".calendar-day[data-date='{promised.isoformat()}'] .calendar-day-head a").click()
    page.wait_for_selector("#calendar[data-view='day']")
    assert page.locator(f".calendar-allday .calendar-entry[data-kind='promise'][data-debt='{rosa.pk}']").count() == 1
    assert page.locator(f".calendar-hour[data-hour='16'] .calendar-entry[data-kind='followup']"
                        f"[data-debt='{rosa.pk}']").count() == 1
    _shot(page, "4_calendar_day")

    entry = page.locator(f".calendar-entry[data-debt='{rosa.pk}']").first
    entry.click()
    page.wait_for_url(f"{base}/collections/debts/{rosa.pk}/")

    page.goto(f"{base}/collections/debts/{carmen.pk}/")  # an agreement in force: its instalments, the payment form
    assert page.locator("#agreement-card").get_attribute("data-state") == "active"
    assert page.locator("#payment-form").is_visible() and page.locator("#agreement-form").count() == 0
    _shot(page, "5_debt_with_agreement")
    assert problems == []
    context.close()


def test_calendar_shows_her_team_only_and_narrows_when_a_supervisor_picks_an_agent(live_server, browser, settings):
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
    base = live_server.url

    def world():  # type: ignore[no-untyped-def]
        lucia, rosa, carmen = _world()
        team = lucia.team
        sofia = make_user("sofia", Role.SUPERVISOR, team)
        team.supervisor = sofia
        team.save()
        marco_debt = Debt.objects.get(contact__name="Deudor de Marco")
        collection_action_log(actor=marco_debt.assignee, debt=marco_debt, kind="call",
                              result=ContactStatus.PROMISE_TO_PAY, promised_amount="90.00",
                              promised_date=timezone.localdate() + timedelta(days=1))
        other = Team.objects.create(name="Equipo Norte")
        outsider = make_user("pedro", Role.AGENT, other)
        far = DebtFactory(assignee=outsider, contact__name="Deudor del Norte")
        collection_action_log(actor=outsider, debt=far, kind="call", result=ContactStatus.PROMISE_TO_PAY,
                              promised_amount="70.00", promised_date=timezone.localdate() + timedelta(days=1))
        device = totp_device_confirm(user=sofia, token=totp_code(totp_device_begin(user=sofia))).device
        return lucia, marco_debt, device

    lucia, marco_debt, device = off_loop(world)
    day = timezone.localdate() + timedelta(days=1)
    target = f"/collections/calendar/?date={day.isoformat()}"
    context = browser.new_context(locale="es-PE", viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{base}{target}")
    page.get_by_label("Usuario").fill("sofia")
    page.get_by_label("Contraseña").fill("pass-for-tests-123")
    page.get_by_role("button", name="Iniciar sesión").click()
    page.wait_for_url("**/accounts/two-factor/verify/**")
    page.get_by_label("Código").fill(totp_code(device))
    page.get_by_role("button", name="Verificar").click()
    page.wait_for_url(f"{base}{target}")

    names = page.locator("#calendar .calendar-entry .entry-name").all_inner_texts()
    assert "Deudor de Marco" in names and "Deudor del Norte" not in names  # her team only
    assert page.locator(".calendar-entry .entry-agent").count() > 0  # whose work it is
    _shot(page, "6_supervisor_week")

    page.locator("#f-agent").select_option(str(lucia.pk))
    page.wait_for_url(f"**agent={lucia.pk}**")
    names = page.locator("#calendar .calendar-entry .entry-name").all_inner_texts()
    assert names and "Deudor de Marco" not in names

    page.goto(f"{base}/collections/")  # her team's debts with whose they are, and a filter per agent
    assert page.locator("#work-table .debt-row").count() == 5
    assert page.get_by_text("Deudor del Norte").count() == 0
    _shot(page, "7_supervisor_work_list")
    context.close()
