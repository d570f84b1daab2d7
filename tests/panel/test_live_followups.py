"""The panel's follow-up partial: list, schedule, cancel, done; only on conversations the user may see."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone, translation
from django.utils.html import escape

from conversations.models import FollowUpTask, MessageTemplate

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


def _local(delta: timedelta) -> str:
    return timezone.localtime(timezone.now() + delta).strftime("%Y-%m-%dT%H:%M")


def test_partial_lists_followups_and_shows_the_window_countdown(client, agent, make_conversation):
    conversation = make_conversation(assignee=agent, minutes_ago=60)
    FollowUpTask.objects.create(conversation=conversation, created_by=agent, text="Llamar mañana",
                                due_at=timezone.now() + timedelta(days=1))
    client.force_login(agent)
    response = client.get(f"/panel/c/{conversation.pk}/followups/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Llamar mañana" in html and 'id="followups"' in html
    left = int(html.split('data-window-left="')[1].split('"')[0])
    assert 22 * 3600 < left <= 23 * 3600


def test_schedule_through_htmx_returns_the_updated_partial(client, agent, make_conversation, channel_account):
    conversation = make_conversation(assignee=agent)
    template = MessageTemplate.objects.create(channel_account=channel_account, name="seguimiento",
                                              body="Hola {{1}}", variable_count=1)
    client.force_login(agent)
    response = client.post(f"/panel/c/{conversation.pk}/followups/new/",
                           {"due_at": _local(timedelta(hours=3)), "text": "¿Seguimos?", "template": template.pk,
                            "variables": "Rosa"}, headers=HTMX)
    assert response.status_code == 200
    followup = FollowUpTask.objects.get()
    assert (followup.text, followup.template, followup.template_variables) == ("¿Seguimos?", template, ["Rosa"])
    assert followup.created_by == agent and "¿Seguimos?" in response.content.decode()


@pytest.mark.parametrize(("data", "needle"), [
    ({"due_at": "", "text": "Hola"}, "Say when to send it."),
    ({"due_at": "2020-02-30T10:00", "text": "Hola"}, "Say when to send it."),
    ({"due_at": "past", "text": "Hola"}, "Choose a time in the future."),
    ({"due_at": "future", "text": " "}, "Write the message or choose a template."),
])
def test_schedule_shows_the_error_and_keeps_the_text(client, agent, make_conversation, data, needle):
    conversation = make_conversation(assignee=agent)
    data = {**data, "due_at": {"past": _local(timedelta(hours=-1)), "future": _local(timedelta(hours=1))}.get(
        data["due_at"], data["due_at"])}
    client.force_login(agent)
    response = client.post(f"/panel/c/{conversation.pk}/followups/new/", data, headers=HTMX)
    assert response.status_code == 200
    assert not FollowUpTask.objects.exists()
    html = response.content.decode()
    with translation.override(settings.LANGUAGE_CODE):
        assert escape(translation.gettext(needle)) in html
    if data["text"].strip():
        assert "Hola</textarea>" in html  # the text is kept


def test_schedule_with_a_template_of_another_number_is_404(client, agent, make_conversation):
    from conversations.models import ChannelAccount

    conversation = make_conversation(assignee=agent)
    other = ChannelAccount.objects.create(provider="twilio_whatsapp", name="Otro", account_ref="+14155550000")
    foreign = MessageTemplate.objects.create(channel_account=other, name="x", body="Hola")
    client.force_login(agent)
    response = client.post(f"/panel/c/{conversation.pk}/followups/new/",
                           {"due_at": _local(timedelta(hours=1)), "template": foreign.pk}, headers=HTMX)
    assert response.status_code == 404 and not FollowUpTask.objects.exists()


def test_followups_of_a_colleagues_conversation_are_404(client, agent, other_agent, make_conversation):
    conversation = make_conversation(assignee=other_agent)
    followup = FollowUpTask.objects.create(conversation=conversation, created_by=other_agent, text="x",
                                           due_at=timezone.now() + timedelta(hours=1))
    client.force_login(agent)
    assert client.get(f"/panel/c/{conversation.pk}/followups/").status_code == 404
    assert client.post(f"/panel/c/{conversation.pk}/followups/new/",
                       {"due_at": _local(timedelta(hours=1)), "text": "x"}).status_code == 404
    assert client.post(f"/panel/c/{conversation.pk}/followups/{followup.pk}/cancel/").status_code == 404
    followup.refresh_from_db()
    assert followup.state == "scheduled"


def test_followup_of_another_conversation_is_404(client, agent, make_conversation):
    mine = make_conversation(name="Rosa Quispe", assignee=agent)
    other = make_conversation(name="Luis Flores", assignee=agent)
    followup = FollowUpTask.objects.create(conversation=other, created_by=agent, text="x",
                                           due_at=timezone.now() + timedelta(hours=1))
    client.force_login(agent)
    assert client.post(f"/panel/c/{mine.pk}/followups/{followup.pk}/done/").status_code == 404


def test_cancel_and_done_close_a_followup(client, agent, make_conversation):
    conversation = make_conversation(assignee=agent)
    first, second = (FollowUpTask.objects.create(conversation=conversation, created_by=agent, text=t,
                                                 due_at=timezone.now() + timedelta(hours=1)) for t in ("a", "b"))
    client.force_login(agent)
    assert client.post(f"/panel/c/{conversation.pk}/followups/{first.pk}/cancel/", headers=HTMX).status_code == 200
    response = client.post(f"/panel/c/{conversation.pk}/followups/{second.pk}/done/")
    assert response.status_code == 302 and response["Location"] == f"/panel/c/{conversation.pk}/"
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.state, second.state) == ("cancelled", "done")
    again = client.post(f"/panel/c/{conversation.pk}/followups/{first.pk}/cancel/", headers=HTMX)
    assert 'class="alert alert-danger' in again.content.decode()


def test_backoffice_cannot_schedule_from_the_panel(client, backoffice, agent, make_conversation):
    conversation = make_conversation(assignee=agent)
    client.force_login(backoffice)
    response = client.post(f"/panel/c/{conversation.pk}/followups/new/",
                           {"due_at": _local(timedelta(hours=1)), "text": "Hola"}, headers=HTMX)
    assert response.status_code == 200 and 'class="alert alert-danger' in response.content.decode()
    assert not FollowUpTask.objects.exists()


def test_followup_views_require_login_and_post(client, agent, make_conversation):
    conversation = make_conversation(assignee=agent)
    assert client.get(f"/panel/c/{conversation.pk}/followups/").status_code == 302
    client.force_login(agent)
    assert client.get(f"/panel/c/{conversation.pk}/followups/new/").status_code == 405
