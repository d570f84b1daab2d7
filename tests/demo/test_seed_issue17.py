"""Issue 17's part of the demo: numbers with teams, business hours with a holiday and the out-of-office answer,
automation rules, and eight weeks of history that the supervisors' dashboard reads. Seeded twice (the second run
adds nothing) at noon today inside a transaction rolled back when the module ends.
"""

from __future__ import annotations

import io
import zoneinfo
from datetime import datetime, time, timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction
from django.db.models import F
from django.test.utils import override_settings
from django.utils import timezone

from accounts.models import Team, User
from ai.models import AIRequest
from automations.models import ActionKind, AutomationAction, AutomationRule, HoursCondition
from conversations.models import ChannelAccount, Conversation, Message
from csat.models import CsatSurvey
from dashboard.analytics import dashboard_data
from dashboard.types import Filters
from demo.seed.history import EMAIL_DOMAIN
from demo.seed.issue17 import issue17_seed
from integrations.base import Provider
from leads.models import Contact, Lead
from sales.models import Sale, SaleType
from sla.models import BusinessHours, Holiday, ServiceHours
from sla.services import within_business_hours

pytestmark = pytest.mark.django_db
LIMA = zoneinfo.ZoneInfo("America/Lima")
MODELS = (ServiceHours, BusinessHours, Holiday, AutomationRule, AutomationAction, Contact, Lead, Conversation,
          Message, Sale, AIRequest, CsatSurvey)


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


@pytest.fixture(scope="module", autouse=True)
def seeded(django_db_setup, django_db_blocker, tmp_path_factory):  # type: ignore[no-untyped-def]
    noon = timezone.localtime().replace(hour=12, minute=0, second=0, microsecond=0)
    runs: dict[str, object] = {}
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("media"), SANDBOX_ENABLED=True,
                          PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
        time_machine.travel(noon, tick=True),
        transaction.atomic(),
    ):
        call_command("seed_demo", "--contacts", "5", stdout=io.StringIO())
        runs["first"] = issue17_seed(write=lambda line: None)  # a no-op if seed_demo already seeds this part
        runs["first_counts"] = counts()
        runs["again"] = issue17_seed(write=lambda line: None)
        runs["again_counts"] = counts()
        yield runs
        transaction.set_rollback(True)


def test_seeding_issue_17_again_adds_nothing(seeded):
    assert seeded["again_counts"] == seeded["first_counts"]
    assert "History: already there." in seeded["again"]
    assert "automation rules: 0 new" in seeded["again"][0] and "0 new holidays" in seeded["again"][0]


def test_each_number_is_served_by_a_team():
    teams = dict(ChannelAccount.objects.values_list("name", "team__name"))
    assert teams["WhatsApp Demo"] == "Equipo Lima" and teams["Instagram Demo"] == "Equipo Norte"
    sandbox = ChannelAccount.objects.filter(provider=Provider.SANDBOX)
    assert sandbox.exists() and set(sandbox.values_list("team__name", flat=True)) == {"Equipo Lima"}


def _lima(day: datetime, hour: int) -> datetime:
    return datetime.combine(day.date(), time(hour, 0), tzinfo=LIMA)


def test_the_company_works_monday_to_saturday_nine_to_seven_in_lima_and_closes_on_the_holiday():
    team = Team.objects.get(name="Equipo Lima")
    monday = timezone.localtime().astimezone(LIMA)
    monday -= timedelta(days=monday.weekday())
    assert within_business_hours(team_id=team.pk, at=_lima(monday, 10))
    assert within_business_hours(team_id=team.pk, at=_lima(monday + timedelta(days=5), 18))  # Saturday
    assert not within_business_hours(team_id=team.pk, at=_lima(monday, 20))
    assert not within_business_hours(team_id=team.pk, at=_lima(monday, 8))
    assert not within_business_hours(team_id=team.pk, at=_lima(monday + timedelta(days=6), 11))  # Sunday
    holidays = list(Holiday.objects.filter(team__isnull=True))
    assert len(holidays) == 2 and all(h.date >= timezone.localdate() for h in holidays)
    on_holiday = next(h for h in holidays if h.date.weekday() < 6)  # of the next two, one is a working day
    assert not within_business_hours(team_id=team.pk, at=datetime.combine(on_holiday.date, time(11), tzinfo=LIMA))
    hours = ServiceHours.objects.get(team__isnull=True)
    assert hours.away_enabled and "{apertura}" in hours.away_text and hours.timezone == "America/Lima"


def test_the_demo_has_the_complaint_and_out_of_hours_rules():
    complaint = AutomationRule.objects.get(name="Reclamo: etiqueta y prioridad urgente")
    assert complaint.is_active and complaint.intent == "complaint"
    assert [(a.kind, a.tag_name or a.priority) for a in complaint.actions.all()] == [
        (ActionKind.ADD_TAG, "reclamo"), (ActionKind.SET_PRIORITY, Conversation.Priority.URGENT)]
    formal = AutomationRule.objects.get(name="Libro de reclamaciones: ticket formal")
    ticket = formal.actions.get(kind=ActionKind.CREATE_TICKET)
    assert ticket.ticket_category.name == "Reclamo de facturación" and ticket.text
    night = AutomationRule.objects.get(name="Fuera de horario: etiqueta")
    assert night.business_hours == HoursCondition.OUTSIDE
    assert list(night.actions.values_list("tag_name", flat=True)) == ["fuera_de_horario"]
    for action in AutomationAction.objects.all():
        action.full_clean()  # what the admin would accept


def test_the_history_spans_eight_weeks_of_resolved_conversations_with_their_times():
    history = Conversation.objects.filter(contact__email__endswith="@" + EMAIL_DOMAIN)
    assert history.count() > 400
    oldest = timezone.localdate() - timezone.localtime(history.order_by("created_at").first().created_at).date()
    assert timedelta(days=55) <= oldest <= timedelta(days=60)
    assert not history.exclude(status=Conversation.Status.RESOLVED).exists()
    assert not history.filter(first_response_at__isnull=True).exists()
    assert not history.filter(first_response_at__lt=F("created_at")).exists()
    by_person = history.filter(assignee__isnull=False)
    assert not by_person.filter(first_agent_reply_at__isnull=True).exists()
    assert history.filter(assignee__isnull=True).count() > 100  # the AI alone
    assert set(history.exclude(escalation_reason="").values_list("escalation_reason", flat=True)) == {
        "complaint", "human_request", "negative_sentiment", "low_confidence"}
    # some customers wrote at night and on Sundays
    hours = {timezone.localtime(c).hour for c in history.values_list("created_at", flat=True)}
    assert {9, 12, 18}.issubset(hours) and max(hours) >= 21
    # an agent's reply counts in the conversation: the first person reply is one of its messages' times
    sample = by_person.order_by("pk").first()
    agent_times = list(sample.messages.filter(sender=Message.Sender.AGENT).values_list("created_at", flat=True))
    assert sample.first_agent_reply_at in agent_times


def test_the_history_sells_every_telecom_type_with_installation_states_and_commissions():
    sales = Sale.objects.filter(contact__email__endswith="@" + EMAIL_DOMAIN)
    assert sales.count() >= 60
    assert set(sales.values_list("sale_type", flat=True)) == set(SaleType.values)
    telecom = sales.exclude(sale_type=SaleType.RETAIL)
    assert set(telecom.values_list("installation_state", flat=True)) == set(Sale.InstallationState.values)
    assert not sales.filter(number__startswith="tmp").exists()
    validated = sales.filter(status=Sale.Status.VALIDATED)
    assert validated.filter(commissions__isnull=False).distinct().count() > validated.count() * 0.8
    assert all(s.lines.count() == 1 and s.lines.get().line_total == s.total for s in sales[:10])


def test_the_history_costs_ai_requests_and_most_customers_rated_the_service():
    messages = Message.objects.filter(conversation__contact__email__endswith="@" + EMAIL_DOMAIN)
    requests = AIRequest.objects.filter(subject__in=[f"message:{pk}" for pk in messages.values_list("pk", flat=True)])
    assert requests.count() > 1000 and all(r.cost_usd > 0 for r in requests[:50])
    surveys = CsatSurvey.objects.filter(conversation__contact__email__endswith="@" + EMAIL_DOMAIN)
    answered = surveys.filter(state=CsatSurvey.State.ANSWERED)
    assert answered.count() > surveys.count() / 2
    assert set(answered.values_list("rating", flat=True)) == {1, 2, 3, 4, 5}
    assert not answered.filter(answered_at__lt=F("asked_at")).exists()


def test_the_supervisors_dashboard_is_alive_over_the_last_thirty_days():
    supervisor = User.objects.get(username="supervisor")
    today = timezone.localdate()
    data = dashboard_data(user=supervisor, filters=Filters(date_from=today - timedelta(days=29), date_to=today))
    kpis = {kpi.key: kpi.value for kpi in data.kpis}
    for key in ("leads_total", "conversations_total", "sales_count", "revenue", "commissions", "csat_average",
                "first_response_median", "resolution_median", "ai_resolved_share"):
        assert kpis[key], key
    assert 3 <= kpis["csat_average"] <= 5
    leaderboard = data.table("leaderboard")
    names = {str(row["agent"]) for row in leaderboard.rows}
    assert {"Lucía Quispe", "Diego Mendoza"} <= names  # the supervisor's team (Lima)
    heatmap = data.chart("peak_hours")
    assert any(value for series in heatmap.series for value in series.data)
    for key in ("telecom_sale_types", "installation_states", "csat_distribution", "escalation_reasons"):
        chart = data.chart(key)
        assert any(value for series in chart.series for value in series.data), key
    # the demo supervisor leads both teams; one team's figures are a part of them
    lima = Team.objects.get(name="Equipo Lima")
    one_team = dashboard_data(user=supervisor, filters=Filters(date_from=today - timedelta(days=29), date_to=today,
                                                               team_id=lima.pk))
    assert 0 < {kpi.key: kpi.value for kpi in one_team.kpis}["conversations_total"] < kpis["conversations_total"]


def test_each_team_has_its_routing_policy_and_agents_their_skills():
    from routing.models import AgentSkill, RoutingPolicy

    lima = RoutingPolicy.objects.get(team__name="Equipo Lima", is_active=True)
    assert (lima.strategy, lima.capacity, lima.return_after_minutes, lima.assign_new_conversations) == (
        "round_robin", 6, 15, True)
    norte = RoutingPolicy.objects.get(team__name="Equipo Norte", is_active=True)
    assert (norte.strategy, norte.capacity) == ("least_busy", 5)
    assert set(AgentSkill.objects.values_list("user__username", flat=True)) == {"agente1", "agente2", "agente3"}


def test_no_hot_lead_waits_unassigned_at_normal_priority():
    """A supervisor opening "Sin asignar" finds no HOT lead there: each got an agent at high priority (or, when
    nobody could take it, waits at high priority and the supervisor was told)."""
    from notifications.models import Notification

    hot = Conversation.objects.filter(lead__classification="HOT").exclude(status=Conversation.Status.RESOLVED)
    assert hot.exists()
    assert not hot.filter(assignee__isnull=True, priority="normal").exists()
    for conversation in hot.filter(assignee__isnull=True):
        assert Notification.objects.filter(kind="routing.unassigned", url__endswith=f"/{conversation.pk}/").exists()
