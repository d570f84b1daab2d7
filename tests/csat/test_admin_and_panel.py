"""Where people see ratings: the back office list (badges, filters, read-only, one settings row) and the
"Satisfaction" block of the panel's customer card."""

from __future__ import annotations

import pytest
from django.urls import reverse

from csat.models import CsatSettings, CsatSurvey
from tests.csat.factories import make_survey
from tests.leads.factories import ContactFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def test_survey_list_shows_star_badges_and_filters_low_ratings(admin_client, agent):
    make_survey(rating=1, agent=agent)
    make_survey(rating=5, agent=agent)
    make_survey(rating=None, agent=agent, state="skipped")
    url = reverse("admin:csat_csatsurvey_changelist")
    page = admin_client.get(url)
    html = page.content.decode()
    assert page.status_code == 200 and page.context["cl"].result_count == 3
    assert "★★★★★ 5/5" in html and "crm-bg-danger" in html and "crm-badge" in html
    low = admin_client.get(url + "?rating=low")
    assert low.context["cl"].result_count == 1
    assert admin_client.get(url + "?state__exact=skipped").context["cl"].result_count == 1


def test_a_survey_is_read_only(admin_client, agent):
    survey = make_survey(rating=4, agent=agent)
    page = admin_client.get(reverse("admin:csat_csatsurvey_change", args=[survey.pk]))
    assert page.status_code == 200
    assert "★★★★☆ 4/5" in page.content.decode()
    admin_client.post(reverse("admin:csat_csatsurvey_change", args=[survey.pk]), {"rating": 1, "comment": "x"})
    assert CsatSurvey.objects.get(pk=survey.pk).rating == 4
    assert admin_client.get(reverse("admin:csat_csatsurvey_add")).status_code == 403


def test_settings_are_one_row(admin_client):
    add = reverse("admin:csat_csatsettings_add")
    assert admin_client.get(add).status_code == 200
    response = admin_client.post(add, {"is_active": "on", "question": "¿Del 1 al 5?", "thanks": "Gracias",
                                       "low_thanks": "Lo sentimos", "answer_hours": 12, "low_rating_max": 2})
    assert response.status_code == 302
    assert CsatSettings.objects.get().answer_hours == 12
    assert admin_client.get(add).status_code == 403


@pytest.fixture
def agent_client(client, agent):
    client.force_login(agent)
    return client


def test_the_panel_card_shows_the_customers_last_ratings(agent_client, agent):
    rosa = ContactFactory(name="Rosa Quispe")
    older = make_survey(rating=2, agent=agent, contact=rosa)
    rated = make_survey(rating=4, agent=agent, contact=rosa)
    html = agent_client.get(reverse("panel:details", args=[rated.conversation_id])).content.decode()
    block = html[html.index('id="panel-csat"'):]
    assert 'data-rating="4" data-this="1"' in block and "★★★★☆ 4/5" in block
    assert 'data-rating="2"' in block and "★★☆☆☆ 2/5" in block
    assert block.index('data-rating="4"') < block.index('data-rating="2"')  # newest first
    assert older.conversation_id != rated.conversation_id


def test_the_panel_card_says_when_the_rating_is_awaited(agent_client, agent):
    survey = make_survey(rating=None, agent=agent)
    html = agent_client.get(reverse("panel:details", args=[survey.conversation_id])).content.decode()
    assert 'id="csat-current" data-state="asked"' in html
    assert 'id="csat-ratings-empty"' in html


def test_the_panel_card_of_a_customer_never_asked_has_an_empty_block(agent_client, agent):
    from conversations.models import Conversation

    survey = make_survey(rating=None, agent=agent)
    other = Conversation.objects.create(contact=ContactFactory(), channel_account=survey.conversation.channel_account,
                                        assignee=agent)
    html = agent_client.get(reverse("panel:details", args=[other.pk])).content.decode()
    assert 'id="panel-csat"' in html and 'id="csat-ratings-empty"' in html and "csat-current" not in html
