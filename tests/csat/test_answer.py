"""The customer's answer to the survey, through the real inbound path: a tap on a row or a typed digit is the
rating, thanked once, kept out of the AI's hands; a low one reaches the team's supervisors."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
import time_machine
from django.utils import timezone

from conversations.models import Conversation, Message
from core import events
from csat.models import CsatSettings, CsatSurvey
from csat.services import csat_surveys_expire, typed_rating
from notifications.models import Notification
from routing.models import RoutingPolicy
from sla.models import Holiday, ServiceHours
from sla.services import within_business_hours
from tests.conversations.conftest import assist_pending

pytestmark = pytest.mark.django_db


@pytest.fixture
def asked(conversation, agent, resolve) -> CsatSurvey:
    resolve(conversation, agent)
    survey = CsatSurvey.objects.get()
    assert survey.state == "asked"
    return survey


def system_lines_after(message: Message) -> list[str]:
    return list(Message.objects.filter(direction="out", sender="system", pk__gt=message.pk)
                .order_by("pk").values_list("text", flat=True))


def test_a_tap_on_a_row_is_the_rating_and_is_thanked(asked, customer_says, graph):
    answer = customer_says(row=("csat:4", "4 ⭐ Buena"))
    survey = CsatSurvey.objects.get(pk=asked.pk)
    assert (survey.state, survey.rating, survey.answer_id) == ("answered", 4, answer.pk)
    assert survey.answered_at is not None
    assert system_lines_after(answer) == [CsatSettings().thanks]
    assert graph.sent()[-1]["text"]["body"] == CsatSettings().thanks
    assert answer.ai_flags.get("handled") == "csat"


@pytest.mark.parametrize(("typed", "rating"), [("5", 5), ("3 estrellas", 3), ("⭐⭐⭐⭐", 4), ("4/5", 4),
                                                ("5 ⭐ Excelente", 5)])
def test_a_typed_rating_is_the_rating(asked, customer_says, typed, rating):
    answer = customer_says(typed)
    survey = CsatSurvey.objects.get(pk=asked.pk)
    assert (survey.state, survey.rating, survey.answer_id) == ("answered", rating, answer.pk)
    assert len(system_lines_after(answer)) == 1


def test_the_rated_conversation_gets_a_note_for_the_agent(asked, customer_says, conversation):
    customer_says("5")
    assert conversation.notes.filter(author=None, text__contains="5/5").exists()


def test_the_ai_does_not_answer_the_rating_but_answers_the_next_question(asked, customer_says, ai_auto):
    rating = customer_says("5")
    assist_pending()  # the ai queue, in case the step was queued rather than run
    rating.refresh_from_db()
    assert not rating.ai_flags.get("analyzed")
    assert list(Message.objects.filter(direction="out", pk__gt=rating.pk).values_list("sender", flat=True)) == [
        "system"]  # the thanks, and no AI reply
    question = customer_says("¿Cuánto cuesta el plan de 200 megas?")
    assist_pending()
    question.refresh_from_db()
    assert question.ai_flags.get("analyzed")
    assert Message.objects.filter(direction="out", sender="ai", pk__gt=question.pk).exists()
    assert CsatSurvey.objects.get(pk=asked.pk).rating == 5  # the question changed nothing


def test_a_redelivered_answer_is_stored_and_thanked_once(asked, customer_says, django_capture_on_commit_callbacks):
    answer = customer_says("4")
    with django_capture_on_commit_callbacks(execute=True):
        events.dispatch(events.Event("message.received", {
            "message_id": answer.pk, "conversation_id": answer.conversation_id, "text": "4", "interactive_id": ""}))
    assert CsatSurvey.objects.get(pk=asked.pk).rating == 4
    assert len(system_lines_after(answer)) == 1


def test_a_second_tap_changes_the_rating_without_a_second_thanks(asked, customer_says):
    first = customer_says(row=("csat:3", "3 ⭐ Regular"))
    customer_says(row=("csat:5", "5 ⭐ Excelente"))
    assert CsatSurvey.objects.get(pk=asked.pk).rating == 5
    assert len(system_lines_after(first)) == 1


def test_a_number_after_the_customer_moved_on_is_not_a_rating(asked, customer_says):
    customer_says("Otra consulta: ¿tienen el iPhone 15?")
    two = customer_says("2")
    assert CsatSurvey.objects.get(pk=asked.pk).state == "asked"
    assert not two.ai_flags.get("handled")


def test_a_number_without_a_survey_is_left_to_the_ai(conversation, customer_says):
    two = customer_says("2")
    assert not CsatSurvey.objects.exists()
    assert not two.ai_flags.get("handled")


def test_another_customers_answer_rates_nothing(asked, post_meta, django_capture_on_commit_callbacks):
    from tests.conversations.conftest import drain, wa_payload, wa_text

    post_meta(wa_payload(wa_text("wamid.STRANGER", "5", sender="51911222333"), wa_id="51911222333", name="Otro"))
    with django_capture_on_commit_callbacks(execute=True):
        drain()
    assert CsatSurvey.objects.get(pk=asked.pk).state == "asked"


@pytest.mark.parametrize(("text", "expected"), [
    ("5", 5), ("1.", 1), ("4 de 5", 4), ("2 estrellas", 2), ("⭐", 1), ("3⭐", 3), ("Excelente 5 ⭐", None),
    ("6", None), ("0", None), ("tengo 2 hijos", None), ("quiero 3", None), ("", None), ("55", None),
    ("1 ⭐ Muy mala", 1),
])
def test_typed_rating(text, expected):
    assert typed_rating(text) == expected


def test_a_low_rating_notifies_the_teams_supervisor_not_the_agent(asked, customer_says, supervisor, agent):
    customer_says(row=("csat:1", "1 ⭐ Muy mala"))
    [notice] = Notification.objects.filter(kind="csat.low")
    assert notice.user_id == supervisor.pk
    assert "1/5" in notice.title and "Rosa" in notice.title
    assert notice.url.endswith(f"/c/{asked.conversation_id}/")
    answer = Message.objects.filter(direction="in").latest("pk")
    assert system_lines_after(answer) == [CsatSettings().low_thanks]


def test_a_good_rating_notifies_nobody(asked, customer_says):
    customer_says("4")
    assert not Notification.objects.filter(kind="csat.low").exists()


def test_a_low_rating_of_a_conversation_without_team_goes_to_the_admins(conversation, resolve, customer_says,
                                                                        admin_user, supervisor):
    from accounts.models import Role
    from conftest import make_user

    loner = make_user("sin_equipo", Role.AGENT)
    Conversation.objects.filter(pk=conversation.pk).update(assignee=loner)
    conversation.refresh_from_db()
    resolve(conversation, loner)
    customer_says("2")
    assert list(Notification.objects.filter(kind="csat.low").values_list("user_id", flat=True)) == [admin_user.pk]


def test_unanswered_surveys_expire_and_a_late_digit_is_not_a_rating(asked, customer_says):
    assert csat_surveys_expire(now=timezone.now() + timedelta(hours=23)) == 0
    assert csat_surveys_expire(now=timezone.now() + timedelta(hours=25)) == 1
    assert CsatSurvey.objects.get(pk=asked.pk).state == "expired"
    late = customer_says("5")
    assert CsatSurvey.objects.get(pk=asked.pk).rating is None
    assert not late.ai_flags.get("handled")


def test_a_survey_past_its_hours_expires_when_the_customer_writes(asked, customer_says):
    with time_machine.travel(timezone.now() + timedelta(hours=30)):
        late = customer_says("5")
    survey = CsatSurvey.objects.get(pk=asked.pk)
    assert (survey.state, survey.rating) == ("expired", None)
    assert not late.ai_flags.get("handled")


def test_the_expiry_task_runs_the_service(asked):
    from csat.tasks import csat_surveys_expire_task

    CsatSurvey.objects.filter(pk=asked.pk).update(asked_at=timezone.now() - timedelta(hours=48))
    assert csat_surveys_expire_task() == 1
    assert csat_surveys_expire_task() == 0


def test_the_rating_shows_on_the_rated_conversations_panel_card(asked, customer_says, client, agent):
    from django.urls import reverse

    customer_says(row=("csat:4", "4 ⭐ Buena"))
    client.force_login(agent)
    html = client.get(reverse("panel:details", args=[asked.conversation_id])).content.decode()
    block = html[html.index('id="panel-csat"'):]
    assert 'data-rating="4" data-this="1"' in block and "★★★★☆ 4/5" in block


def test_the_conversation_a_rating_opens_is_resolved_by_itself_and_given_to_nobody(asked, customer_says, conversation,
                                                                                  agent, team):
    # The team routes every new conversation to its available agents: a rating must not become one's work.
    conversation.channel_account.team = team
    conversation.channel_account.save(update_fields=["team"])
    RoutingPolicy.objects.create(name="Equipo", team=team, strategy="round_robin", assign_new_conversations=True)
    answer = customer_says("5")
    opened = answer.conversation
    assert opened.pk != conversation.pk
    opened.refresh_from_db()
    assert (opened.status, opened.assignee_id) == ("resolved", None)
    assert opened.notes.filter(author=None, text__icontains="rating").exists() or opened.notes.filter(
        author=None, text__icontains="calificación").exists()
    assert not Notification.objects.filter(user=agent, kind="routing.assigned").exists()
    assert CsatSurvey.objects.filter(conversation=opened).count() == 0  # no survey about the survey
    # A question afterwards is a real conversation again: routed to the agent.
    question = customer_says("¿Tienen el iPhone 15?")
    question.conversation.refresh_from_db()
    assert question.conversation.pk != opened.pk and question.conversation.status == "open"
    assert question.conversation.assignee_id == agent.pk


def test_a_rating_given_out_of_hours_is_thanked_not_told_the_office_is_closed(asked, customer_says, team,
                                                                             conversation):
    conversation.channel_account.team = team
    conversation.channel_account.save(update_fields=["team"])
    hours = ServiceHours.objects.create(team=team, away_enabled=True, away_text="Estamos cerrados.")
    today = timezone.localdate()
    for day in (-1, 0, 1):  # a holiday around today, whatever the team's time zone: closed now
        hours.intervals.create(weekday=(today + timedelta(days=day)).weekday(), opens=time(9), closes=time(18))
        Holiday.objects.create(team=team, date=today + timedelta(days=day), name="Feriado")
    assert not within_business_hours(team_id=team.pk, at=timezone.now())
    answer = customer_says("4")
    assert system_lines_after(answer) == [CsatSettings().thanks]
