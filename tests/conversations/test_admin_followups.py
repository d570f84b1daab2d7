"""The follow-ups' back-office list: who sees it, what it shows, and its two bulk actions."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib import messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse
from django.utils import timezone

from conversations.models import Conversation, FollowUpTask
from conversations.services.followups import followups_run_due
from tests.conversations import test_followups
from tests.leads.factories import ContactFactory

pytestmark = pytest.mark.django_db

# The follow-up tests' fixtures: a Meta WhatsApp account, Rosa's conversation (window open), a fake Graph API.
account = test_followups.account
conversation = test_followups.conversation
graph = test_followups.graph
URL = reverse("admin:conversations_followuptask_changelist")


def _followup(conversation: Conversation, *, text: str, delta: timedelta, **fields) -> FollowUpTask:  # type: ignore[no-untyped-def]
    return FollowUpTask.objects.create(conversation=conversation, created_by=conversation.assignee, text=text,
                                       due_at=timezone.now() + delta, **fields)


def _act(client, action: str, followups: list[FollowUpTask]):  # type: ignore[no-untyped-def]
    return client.post(URL, {"action": action, ACTION_CHECKBOX_NAME: [f.pk for f in followups]}, follow=True)


def test_changelist_shows_the_team_followups_with_badge_and_relative_time_for_a_supervisor(
    client, supervisor, conversation, other_agent, account,
):
    _followup(conversation, text="¿Pudiste revisar la cotización?", delta=timedelta(hours=2))
    _followup(conversation, text="Recordar la instalación", delta=timedelta(minutes=-5))
    outsider = Conversation.objects.create(contact=ContactFactory(name="Luis Fuera", phone="+51911111111"),
                                           channel_account=account, assignee=other_agent)
    _followup(outsider, text="Otro equipo", delta=timedelta(hours=1))
    client.force_login(supervisor)
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('class="crm-badge crm-bg-primary"') == 2  # the "scheduled" badge, twice
    assert "Rosa Quispe" in html and "¿Pudiste revisar la cotización?" in html
    due = dict(re.findall(r'class="(crm-due(?: crm-due-overdue)?)">([^<]*)<', html))
    assert sorted(due) == ["crm-due", "crm-due crm-due-overdue"]  # grey for the future one, red for the overdue one
    # "in 2 h", "overdue by 5 min"
    assert due["crm-due"].endswith(" 2 h") and due["crm-due crm-due-overdue"].endswith(" 5 min")
    assert "Otro equipo" not in html  # another team's conversation
    assert response.context["cl"].result_count == 2


def test_agent_cannot_open_the_followups_admin(client, agent):
    client.force_login(agent)
    response = client.get(URL)
    assert response.status_code in (302, 403)
    assert response.status_code == 403 or "/login/" in response["Location"]


def test_backoffice_sees_followups_but_cannot_act_on_them(client, backoffice, conversation):
    followup = _followup(conversation, text="Hola", delta=timedelta(hours=1))
    client.force_login(backoffice)
    response = client.get(URL)
    assert response.status_code == 200 and "Hola" in response.content.decode()
    assert "cancel_followups" not in response.content.decode()
    _act(client, "send_followups_now", [followup])
    followup.refresh_from_db()
    assert followup.due_at > timezone.now()


def test_cancel_action_cancels_only_the_scheduled_followups(client, supervisor, conversation):
    pending = _followup(conversation, text="Pendiente", delta=timedelta(hours=1))
    sent = _followup(conversation, text="Ya enviado", delta=timedelta(hours=-1), state=FollowUpTask.State.SENT)
    client.force_login(supervisor)
    response = _act(client, "cancel_followups", [pending, sent])
    pending.refresh_from_db()
    sent.refresh_from_db()
    assert (pending.state, sent.state) == ("cancelled", "sent")
    [message] = list(response.context["messages"])
    assert message.level == messages.WARNING and str(message).count("1") == 2  # 1 cancelled, 1 left as it was


def test_send_now_makes_a_future_followup_due_and_the_beat_sends_it(client, supervisor, conversation, graph):
    later = _followup(conversation, text="Hola Rosa, ¿seguimos?", delta=timedelta(days=2))
    assert followups_run_due().sent == 0
    client.force_login(supervisor)
    _act(client, "send_followups_now", [later])
    later.refresh_from_db()
    assert later.due_at <= timezone.now() and later.state == "scheduled"
    result = followups_run_due()
    test_followups._deliver_all()
    assert result.sent == 1
    later.refresh_from_db()
    assert later.state == "sent" and later.sent_message.text == "Hola Rosa, ¿seguimos?"
    assert [body["text"]["body"] for body in test_followups._sent_bodies(graph)] == ["Hola Rosa, ¿seguimos?"]


def test_search_finds_followups_by_contact_phone(client, supervisor, conversation, account):
    _followup(conversation, text="Para Rosa", delta=timedelta(hours=1))
    other = Conversation.objects.create(contact=ContactFactory(name="Ana Torres", phone="+51922222222"),
                                        channel_account=account, assignee=None)
    _followup(other, text="Para Ana", delta=timedelta(hours=1))
    client.force_login(supervisor)
    response = client.get(URL, {"q": "987654321"})
    assert [f.text for f in response.context["cl"].result_list] == ["Para Rosa"]


def test_overdue_filter_lists_only_scheduled_followups_past_their_time(client, supervisor, conversation):
    _followup(conversation, text="Atrasado", delta=timedelta(minutes=-30))
    _followup(conversation, text="Enviado", delta=timedelta(minutes=-30), state=FollowUpTask.State.SENT)
    _followup(conversation, text="Mañana", delta=timedelta(days=1))
    client.force_login(supervisor)
    response = client.get(URL, {"due": "overdue"})
    assert [f.text for f in response.context["cl"].result_list] == ["Atrasado"]


def test_a_followup_page_is_read_only_even_for_a_supervisor(client, supervisor, conversation):
    followup = _followup(conversation, text="Solo lectura", delta=timedelta(hours=1))
    client.force_login(supervisor)
    url = reverse("admin:conversations_followuptask_change", args=[followup.pk])
    page = client.get(url)
    assert page.status_code == 200 and "Solo lectura" in page.content.decode()
    assert 'name="_save"' not in page.content.decode()
    client.post(url, {"text": "Cambiado", "due_at_0": "2030-01-01", "due_at_1": "10:00"})
    followup.refresh_from_db()
    assert followup.text == "Solo lectura"
