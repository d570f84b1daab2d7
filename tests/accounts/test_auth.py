import pytest
from axes.models import AccessAttempt, AccessLog
from django.contrib.auth.models import Group
from django.core.management import call_command

from accounts.models import Role
from accounts.services import roles_create

pytestmark = pytest.mark.django_db

PASSWORD = "pass-for-tests-123"


def login(client, username, password=PASSWORD, **headers):
    return client.post("/accounts/login/", {"username": username, "password": password}, headers=headers)


def test_login_page_is_in_spanish(client):
    response = client.get("/accounts/login/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Iniciar sesión" in html and "Contraseña" in html
    assert 'lang="es"' in html


def test_login_page_speaks_english_when_asked(client):
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en")
    assert "Log in" in response.content.decode()


def test_agent_logs_in_and_lands_on_their_leads(client, agent):
    response = login(client, "agente")
    assert response.status_code == 302 and response["Location"] == "/"
    home = client.get("/")
    assert home.status_code == 200
    assert "Mis leads" in home.content.decode()


def test_wrong_password_is_refused_with_a_message(client, agent):
    response = login(client, "agente", "wrong-password")
    assert response.status_code == 200
    assert "alert-danger" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_repeated_failures_lock_the_login(client, agent, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, "agente", "wrong-password")
    locked = login(client, "agente")  # even the right password is refused now
    assert locked.status_code == 429
    assert "Demasiados intentos" in locked.content.decode()
    assert AccessAttempt.objects.filter(username="agente").exists()


def test_successful_logins_are_audited_with_address_and_browser(client, agent):
    login(client, "agente", user_agent="Firefox/130")
    entry = AccessLog.objects.get(username="agente")
    assert entry.ip_address == "127.0.0.1"
    assert "Firefox" in entry.user_agent


def test_session_lasts_session_hours(client, agent, settings):
    login(client, "agente")
    assert settings.SESSION_COOKIE_AGE == settings.SESSION_HOURS * 3600
    assert client.session.get_expiry_age() == settings.SESSION_HOURS * 3600


def test_logout_needs_post_and_ends_the_session(client, agent):
    login(client, "agente")
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_create_roles_is_idempotent_and_matches_the_contract(capsys):
    call_command("create_roles")
    call_command("create_roles")
    groups = {g.name: set(g.permissions.values_list("codename", flat=True)) for g in Group.objects.all()}
    assert set(groups) == {"agent", "backoffice", "supervisor", "admin"}
    assert {"view_lead", "change_lead", "add_lead"} <= groups["agent"]
    assert "delete_lead" not in groups["agent"]
    assert "add_product" not in groups["agent"]
    assert "add_lead" not in groups["backoffice"]
    assert {"add_product", "delete_lead", "change_scoringrule"} <= groups["supervisor"]
    assert "add_user" not in groups["supervisor"]
    assert "add_user" in groups["admin"]
    assert roles_create().missing == ()


def test_changing_a_role_moves_the_user_between_groups(agent):
    from accounts.services import user_sync_role

    agent.role = Role.SUPERVISOR
    agent.save()
    user_sync_role(user=agent)
    assert list(agent.groups.values_list("name", flat=True)) == ["supervisor"]
    assert agent.is_staff
