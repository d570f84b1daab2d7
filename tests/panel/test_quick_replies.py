import pytest

from accounts.models import Team
from conversations.models import QuickReply

pytestmark = pytest.mark.django_db


def test_quick_replies_for_the_agent_are_global_and_their_teams_with_the_name_filled(
        client, agent, other_team, make_conversation):
    QuickReply.objects.create(shortcut="horario", title="Horario", text="Hola {nombre}, atendemos de 9 a 18 h.")
    QuickReply.objects.create(shortcut="hogar", title="Internet hogar", text="Tenemos 50, 100 y 200 Mbps.",
                              team=agent.team)
    QuickReply.objects.create(shortcut="hoy", title="Otro equipo", text="No debe verse", team=other_team)
    QuickReply.objects.create(shortcut="hola", title="Inactiva", text="x", is_active=False)
    conversation = make_conversation(name="Rosa Quispe", assignee=agent)
    client.force_login(agent)
    body = client.get(f"/panel/c/{conversation.pk}/quick/", {"q": "ho"}).json()
    assert [r["shortcut"] for r in body["results"]] == ["hogar", "horario"]
    assert body["results"][1]["text"] == "Hola Rosa, atendemos de 9 a 18 h."


def test_quick_replies_of_a_conversation_that_is_not_mine_are_404(client, agent, other_agent, make_conversation):
    conversation = make_conversation(assignee=other_agent)
    client.force_login(agent)
    assert client.get(f"/panel/c/{conversation.pk}/quick/").status_code == 404


def test_a_shortcut_is_unique_globally_and_per_team():
    from django.core.exceptions import ValidationError

    team = Team.objects.create(name="Equipo Sur")
    QuickReply.objects.create(shortcut="pago", title="Pago", text="Aceptamos Yape y tarjeta.")
    QuickReply.objects.create(shortcut="pago", title="Pago (sur)", text="Solo efectivo.", team=team)
    with pytest.raises(ValidationError):
        QuickReply(shortcut="pago", title="Otra", text="x").full_clean()
