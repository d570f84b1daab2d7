"""The dashboard page and its downloads, on a small known dataset read by the real analytics.

Two teams: Lima (the supervisor's; agent "agente") and Norte (agent "otro_agente"). In 2–8 Nov 2026:
- leads: agente HOT (3 Nov) and WARM (4 Nov); otro_agente COLD (5 Nov); an older lead of agente (20 Oct);
- validated sales: agente S/ 100.00 (3 Nov) and S/ 250.50 (5 Nov), otro_agente S/ 999.00 (5 Nov); a pending sale
  of agente (5 Nov) that counts nowhere;
- conversations: agente two (WhatsApp, 3 Nov), otro_agente one (Instagram, 5 Nov); customers' messages: in
  agente's first, two at 10:xx and one at 15:00 on Tuesday 3 Nov; in otro_agente's, one at 09:00 on Thursday 5 Nov.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from conversations.models import ChannelAccount, Conversation, Message, ProviderChoices
from core.errors import ApplicationError
from dashboard.analytics import filters_from_params
from leads.models import Classification, Lead
from sales.models import Sale
from tests.leads.factories import ContactFactory

pytestmark = pytest.mark.django_db

RANGE = {"from": "2026-11-02", "to": "2026-11-08"}
INDEX = reverse("dashboard:index")


def _at(day: int, hour: int = 12, month: int = 11) -> datetime:
    return timezone.make_aware(datetime.combine(date(2026, month, day), time(hour)))


_numbers = iter(range(1, 10**6))


def _lead(agent, classification: str, day: int, month: int = 11) -> Lead:  # type: ignore[no-untyped-def]
    lead = Lead.objects.create(contact=ContactFactory(), assignee=agent, classification=classification)
    Lead.objects.filter(pk=lead.pk).update(created_at=_at(day, month=month))
    return lead


def _sale(agent, total: str, day: int, status: str = Sale.Status.VALIDATED) -> Sale:  # type: ignore[no-untyped-def]
    return Sale.objects.create(number=f"V-{next(_numbers):06d}", contact=ContactFactory(), agent=agent, status=status,
                               total=Decimal(total), sold_at=_at(day))


def _conversation(agent, account: ChannelAccount, day: int,  # type: ignore[no-untyped-def]
                  customer_writes_at: tuple[datetime, ...] = ()) -> Conversation:
    conversation = Conversation.objects.create(contact=ContactFactory(), channel_account=account, assignee=agent)
    Conversation.objects.filter(pk=conversation.pk).update(created_at=_at(day))
    for moment in customer_writes_at:
        message = Message.objects.create(conversation=conversation, channel_account=account,
                                         direction=Message.Direction.IN, sender=Message.Sender.CUSTOMER,
                                         text="Hola")
        Message.objects.filter(pk=message.pk).update(created_at=moment)
    return conversation


@pytest.fixture
def shop(agent, other_agent, supervisor, admin_user):  # type: ignore[no-untyped-def]
    whatsapp = ChannelAccount.objects.create(provider=ProviderChoices.TWILIO_WHATSAPP, name="WhatsApp Lima",
                                             account_ref="+14155238886", ai_mode=ChannelAccount.AIMode.OFF)
    instagram = ChannelAccount.objects.create(provider=ProviderChoices.INSTAGRAM, name="Instagram",
                                              account_ref="17841400000", ai_mode=ChannelAccount.AIMode.OFF)
    _lead(agent, Classification.HOT, 3)
    _lead(agent, Classification.WARM, 4)
    _lead(other_agent, Classification.COLD, 5)
    _lead(agent, Classification.HOT, 20, month=10)
    _sale(agent, "100.00", 3)
    _sale(agent, "250.50", 5)
    _sale(other_agent, "999.00", 5)
    _sale(agent, "75.00", 5, status=Sale.Status.PENDING_VALIDATION)
    _conversation(agent, whatsapp, 3, customer_writes_at=(_at(3, 10), _at(3, 10) + timedelta(minutes=30), _at(3, 15)))
    _conversation(agent, whatsapp, 3)
    _conversation(other_agent, instagram, 5, customer_writes_at=(_at(5, 9),))
    return {"whatsapp": whatsapp, "instagram": instagram}


def _client(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client(HTTP_ACCEPT_LANGUAGE="en")  # the texts asserted below are the English msgids
    client.force_login(user)
    return client


def _csv(response) -> list[list[str]]:  # type: ignore[no-untyped-def]
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def _xlsx(response) -> list[list[object]]:  # type: ignore[no-untyped-def]
    sheet = load_workbook(io.BytesIO(response.content)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def _kpi(response, key: str) -> str:  # type: ignore[no-untyped-def]
    html = response.content.decode()
    marker = f'id="kpi-{key}">'
    start = html.index(marker) + len(marker)
    return html[start:html.index("<", start)]


# ---------------------------------------------------------------------------------------------
# Who may look
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("role", ["agent", "backoffice"])
def test_dashboard_answers_the_403_page_when_an_agent_or_back_office_opens_it(request, role):
    client = _client(request.getfixturevalue(role))
    for url in (INDEX, reverse("dashboard:export", kwargs={"key": "funnel", "fmt": "csv"})):
        response = client.get(url)
        assert response.status_code == 403
    assert "Access denied" in response.content.decode() or response.templates[0].name == "403.html"


def test_dashboard_sends_a_visitor_to_the_login_page_when_nobody_is_signed_in(db):
    response = Client().get(INDEX)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_supervisor_sees_their_team_only_when_opening_the_dashboard(shop, supervisor, team, agent):
    response = _client(supervisor).get(INDEX, RANGE)
    assert response.status_code == 200
    assert (_kpi(response, "leads-total"), _kpi(response, "leads-hot"), _kpi(response, "sales-count"),
            _kpi(response, "revenue"), _kpi(response, "conversations-total")) == ("2", "1", "2", "S/ 350.50", "2")
    form = response.context["form"]
    assert [value for value, _label in form.fields["team"].choices] == ["", team.pk]
    assert {value for value, _label in form.fields["agent"].choices} == {"", agent.pk, supervisor.pk}
    board = response.context["leaderboard"]
    assert [row[0][0] for row in board.rows] == ["Agente"]
    html = response.content.decode()
    assert "Otro_agente" not in html and "Equipo Norte" not in html
    for key in ("leads_by_temperature", "funnel", "revenue_by_day", "peak_hours", "ai_spend", "collections"):
        assert f'id="export-{key}-csv"' in html
    heatmap = next(c.heatmap for s in response.context["sections"] for c in s.charts if c.chart.key == "peak_hours")
    busy = {(row.label, hour): cell.value for row in heatmap.rows
            for hour, cell in zip(heatmap.columns, row.cells, strict=True) if cell.value}
    assert busy == {("Tuesday", "10"): 2, ("Tuesday", "15"): 1}  # not the other team's Thursday message


def test_admin_sees_every_team_and_each_section_when_opening_the_dashboard(shop, admin_user):
    response = _client(admin_user).get(INDEX, RANGE)
    assert response.status_code == 200
    assert (_kpi(response, "leads-total"), _kpi(response, "sales-count"), _kpi(response, "revenue")) == (
        "3", "3", "S/ 1,349.50")
    html = response.content.decode()
    for heading in ("Sales", "Customer service", "Telecom", "Money", "Agent leaderboard"):
        assert f">{heading}</h2>" in html
    assert [row[0][0] for row in response.context["leaderboard"].rows] == ["Otro_agente", "Agente"]
    charts = response.context["chart_data"]
    assert charts["chart-leads-by-temperature"]["series"][0]["data"] == [1, 1, 1]
    assert "chart-peak-hours" not in charts  # the heatmap is a table, not a canvas
    assert 'id="chart-peak-hours"' in html and "dashboard/dashboard.js" in html
    assert "<script>" not in html  # the Content Security Policy allows no inline script


# ---------------------------------------------------------------------------------------------
# Filters
# ---------------------------------------------------------------------------------------------
def test_filters_narrow_the_figures_when_the_admin_picks_an_agent_or_a_channel(shop, admin_user, other_agent):
    client = _client(admin_user)
    response = client.get(INDEX, {**RANGE, "agent": other_agent.pk})
    assert (_kpi(response, "leads-total"), _kpi(response, "revenue")) == ("1", "S/ 999.00")
    assert ("Agent", "Otro_agente") in response.context["active_filters"]
    response = client.get(INDEX, {**RANGE, "channel": "whatsapp"})
    assert _kpi(response, "conversations-total") == "2"
    # The download links carry the same filters.
    assert '/dashboard/export/funnel.csv?from=2026-11-02&amp;to=2026-11-08&amp;channel=whatsapp"' in \
        response.content.decode()


def test_dashboard_uses_the_last_30_days_and_marks_the_preset_when_no_dates_are_asked(shop, supervisor):
    response = _client(supervisor).get(INDEX)
    today = timezone.localdate()
    filters = response.context["filters"]
    assert (filters.date_to, (filters.date_to - filters.date_from).days) == (today, 29)
    assert [p.key for p in response.context["presets"] if p.is_active] == ["30d"]
    assert 'value="' + today.isoformat() + '"' in response.content.decode()  # the bar shows the range in use


@pytest.mark.parametrize(("params", "field"), [
    ({"from": "2026-13-01"}, "from"),
    ({"from": "2026-11-09", "to": "2026-11-01"}, "from"),
    ({"channel": "telegram"}, "channel"),
    ({"agent": "abc"}, "agent"),
])
def test_bad_filters_show_what_is_wrong_when_the_parameters_cannot_be_read(shop, supervisor, params, field):
    client = _client(supervisor)
    response = client.get(INDEX, params)
    assert response.status_code == 400
    with pytest.raises(ApplicationError) as raised:  # the page shows the parser's own words
        filters_from_params(params, user=supervisor)
    html = response.content.decode()
    assert 'id="filter-errors"' in html and str(raised.value.message) in html
    assert f'id="error-{field}"' in html
    assert response.context["sections"] == []  # no figures under a filter that could not be read
    download = client.get(reverse("dashboard:export", kwargs={"key": "funnel", "fmt": "csv"}), params)
    assert download.status_code == 400


def test_a_team_outside_the_supervisors_is_refused_when_asked_for_by_hand(shop, supervisor, other_team):
    client = _client(supervisor)
    response = client.get(INDEX, {**RANGE, "team": other_team.pk})
    assert response.status_code == 403
    assert 'id="filter-errors"' in response.content.decode()
    download = client.get(reverse("dashboard:export", kwargs={"key": "leaderboard", "fmt": "csv"}),
                          {**RANGE, "team": other_team.pk})
    assert download.status_code == 403 and b"Otro_agente" not in download.content


def test_the_page_says_there_is_nothing_when_the_range_has_no_data(shop, supervisor):
    response = _client(supervisor).get(INDEX, {"from": "2025-01-01", "to": "2025-01-07"})
    html = response.content.decode()
    assert response.status_code == 200 and 'id="dash-empty"' in html
    assert 'id="chart-funnel-empty"' in html and response.context["chart_data"] == {}


# ---------------------------------------------------------------------------------------------
# Downloads
# ---------------------------------------------------------------------------------------------
def _export(client: Client, key: str, fmt: str, **params: object):  # type: ignore[no-untyped-def]
    return client.get(reverse("dashboard:export", kwargs={"key": key, "fmt": fmt}), {**RANGE, **params})


def test_revenue_chart_downloads_day_by_day_when_exported_as_csv(shop, supervisor):
    response = _export(_client(supervisor), "revenue_by_day", "csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="revenue_by_day_2026-11-02_2026-11-08.csv"'
    assert _csv(response) == [
        ["Revenue and commissions", "Revenue", "Commissions"],
        ["2026-11-02", "0", "0"], ["2026-11-03", "100", "0"], ["2026-11-04", "0", "0"],
        ["2026-11-05", "250.5", "0"], ["2026-11-06", "0", "0"], ["2026-11-07", "0", "0"], ["2026-11-08", "0", "0"],
    ]


def test_leads_by_temperature_downloads_as_excel_with_numbers_when_exported(shop, admin_user):
    response = _export(_client(admin_user), "leads_by_temperature", "xlsx")
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert _xlsx(response) == [["Leads by temperature", "Leads"], ["Hot", 1], ["Warm", 1], ["Cold", 1]]


def test_leaderboard_download_keeps_to_the_supervisors_team_when_exported(shop, supervisor, admin_user):
    header = ["Agent", "Leads", "Conversations", "Sales", "Revenue", "Commissions", "Quality score", "Calls", "CSAT"]
    assert _csv(_export(_client(supervisor), "leaderboard", "csv")) == [
        header, ["Agente", "2", "2", "2", "350.5", "0", "", "0", ""]]
    assert _xlsx(_export(_client(admin_user), "leaderboard", "xlsx")) == [
        header, ["Otro_agente", 1, 1, 1, 999, 0, None, 0, None], ["Agente", 2, 2, 2, 350.5, 0, None, 0, None]]


def test_export_answers_404_when_the_figure_is_unknown(shop, admin_user):
    client = _client(admin_user)
    assert _export(client, "nothing_here", "csv").status_code == 404
    assert client.get("/dashboard/export/funnel.pdf").status_code == 404
