"""Two-step verification: required roles set it up at first login, codes and recovery codes at every login,
wrong codes count as failed logins, optional roles may turn it on, admins reset it, unverified sessions reach
nothing (pages, admin, session API, panel socket)."""

from __future__ import annotations

import base64
import re
from datetime import timedelta

import pytest
import time_machine
from asgiref.sync import async_to_sync
from axes.models import AccessAttempt, AccessLog
from channels.testing import WebsocketCommunicator
from django.contrib.admin.models import LogEntry
from django.test import Client
from django.test.client import ClientMixin
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from accounts.models import Role
from accounts.two_factor.services import (
    recovery_codes_regenerate,
    totp_device_begin,
    totp_device_confirm,
    two_factor_enabled,
)
from accounts.two_factor.testing import totp_code
from config.asgi import application
from conftest import make_user

pytestmark = pytest.mark.django_db

PASSWORD = "pass-for-tests-123"
SETUP = "/accounts/two-factor/setup/"
VERIFY = "/accounts/two-factor/verify/"
CODES = "/accounts/two-factor/recovery-codes/"
SECURITY = "/accounts/security/"


def login(client: Client, username: str, password: str = PASSWORD, next_url: str = ""):  # type: ignore[no-untyped-def]
    data = {"username": username, "password": password}
    if next_url:
        data["next"] = next_url
    return client.post("/accounts/login/", data)


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def secret_on_page(html: str) -> str:
    """The key as the setup page shows it for typing into an app."""
    return re.search(r'data-secret="([A-Z2-7 ]+)"', html).group(1)


def code_from_secret(secret: str) -> str:
    """What an authenticator app shows for a key typed in by hand."""
    compact = secret.replace(" ", "")
    key = base64.b32decode(compact + "=" * (-len(compact) % 8))
    return f"{totp(key):06d}"


def later(seconds: int = 5):  # type: ignore[no-untyped-def]
    """After a wrong code django-otp makes the device wait (1 s, then 2, 4, …) before it checks another."""
    return time_machine.travel(timezone.now() + timedelta(seconds=seconds), tick=True)


def enable(user) -> tuple[TOTPDevice, list[str]]:  # type: ignore[no-untyped-def]
    device = totp_device_begin(user=user)
    enabled = totp_device_confirm(user=user, token=totp_code(device))
    assert enabled is not None
    return enabled.device, enabled.recovery_codes


# ---------------------------------------------------------------------------------------------
# Required roles: set up at first login
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("persona", ["supervisor", "admin_user"])
def test_required_role_is_sent_to_set_up_when_they_have_no_app(client, request, persona):
    user = request.getfixturevalue(persona)
    response = login(client, user.username, next_url="/admin/")
    assert response.status_code == 302 and response["Location"] == SETUP
    assert not signed_in(client)  # nobody is signed in before the second step
    assert client.get("/admin/").status_code == 302 and "/admin/login/" in client.get("/admin/")["Location"]
    page = client.get(SETUP)
    html = page.content.decode()
    assert page.status_code == 200
    assert "Configura la verificación en dos pasos" in html and "Tu rol requiere" in html
    assert 'src="data:image/svg+xml;base64,' in html  # the QR code, no script and no outside service


def test_setup_with_a_code_from_the_typed_key_signs_in_and_shows_ten_recovery_codes_once(client, supervisor):
    login(client, "supervisora", next_url="/admin/")
    secret = secret_on_page(client.get(SETUP).content.decode())
    wrong = client.post(SETUP, {"code": "000000" if code_from_secret(secret) != "000000" else "111111"})
    assert wrong.status_code == 200 and "no es correcto" in wrong.content.decode() and not signed_in(client)

    with later():
        response = client.post(SETUP, {"code": code_from_secret(secret)})
    assert response.status_code == 302 and response["Location"] == CODES
    assert signed_in(client) and two_factor_enabled(user=supervisor)
    page = client.get(CODES)
    html = page.content.decode()
    codes = re.findall(r'<li class="recovery-code">([a-z2-7]{8})</li>', html)
    assert len(codes) == 10 and set(codes) == set(StaticToken.objects.values_list("token", flat=True))
    assert 'download="codigos-recuperacion-crm.txt"' in html and "data-print" in html
    assert 'href="/admin/"' in html  # continue where the login was going
    assert client.get(CODES)["Location"] == SECURITY  # shown once
    assert client.get("/admin/").status_code == 200
    assert AccessLog.objects.filter(username="supervisora").exists()  # the login is audited once complete


def test_a_person_with_an_app_cannot_set_up_another_one_with_only_the_password(client, supervisor):
    device, _codes = enable(supervisor)
    login(client, "supervisora")
    assert client.get(SETUP)["Location"] == VERIFY
    assert client.post(SETUP, {"code": totp_code(device)})["Location"] == VERIFY
    assert list(TOTPDevice.objects.filter(user=supervisor)) == [device] and not signed_in(client)


# ---------------------------------------------------------------------------------------------
# The code at every login
# ---------------------------------------------------------------------------------------------
def test_login_with_password_and_code_reaches_admin(client, supervisor):
    device, _codes = enable(supervisor)
    response = login(client, "supervisora", next_url="/admin/")
    assert response["Location"] == VERIFY and not signed_in(client)
    page = client.get(VERIFY).content.decode()
    assert "Verificación en dos pasos" in page and "códigos de recuperación" in page
    done = client.post(VERIFY, {"code": totp_code(device)})
    assert done.status_code == 302 and done["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_a_wrong_code_is_refused_and_counted_as_a_failed_login(client, supervisor):
    device, _codes = enable(supervisor)
    login(client, "supervisora")
    wrong = "123456" if totp_code(device) != "123456" else "654321"
    response = client.post(VERIFY, {"code": wrong})
    assert response.status_code == 200 and "no es correcto" in response.content.decode()
    assert not signed_in(client)
    assert AccessAttempt.objects.get(username="supervisora").failures_since_start == 1


def test_repeated_wrong_codes_lock_the_login_like_wrong_passwords(client, supervisor, settings):
    device, _codes = enable(supervisor)
    login(client, "supervisora")
    wrong = "123456" if totp_code(device) != "123456" else "654321"
    responses = [client.post(VERIFY, {"code": wrong}) for _ in range(settings.AXES_FAILURE_LIMIT)]
    assert [r.status_code for r in responses] == [200] * (settings.AXES_FAILURE_LIMIT - 1) + [429]
    assert "Demasiados intentos" in responses[-1].content.decode()
    assert not signed_in(client)
    again = login(Client(), "supervisora")  # even the right password is refused now
    assert again.status_code == 429


def test_the_code_step_expires_ten_minutes_after_the_password(client, supervisor):
    device, _codes = enable(supervisor)
    login(client, "supervisora")
    with time_machine.travel(timezone.now() + timedelta(minutes=11)):
        response = client.post(VERIFY, {"code": totp_code(device)})
    assert response["Location"] == "/accounts/login/" and not signed_in(client)


def test_a_recovery_code_signs_in_once(client, supervisor):
    _device, codes = enable(supervisor)
    login(client, "supervisora")
    response = client.post(VERIFY, {"code": codes[0].upper()}, follow=True)
    assert response.redirect_chain[0] == ("/", 302) and signed_in(client)
    assert "código de recuperación" in response.content.decode() and "9" in response.content.decode()
    assert StaticToken.objects.count() == 9

    other = Client()
    login(other, "supervisora")
    again = other.post(VERIFY, {"code": codes[0]})
    assert again.status_code == 200 and not signed_in(other)
    with later():
        assert other.post(VERIFY, {"code": codes[1]}).status_code == 302 and signed_in(other)


# ---------------------------------------------------------------------------------------------
# Optional roles
# ---------------------------------------------------------------------------------------------
def test_an_agent_logs_in_without_two_factor(client, agent):
    response = login(client, "agente")
    assert response.status_code == 302 and response["Location"] == "/"
    assert signed_in(client)
    assert client.get("/panel/").status_code == 200
    assert "Seguridad" in client.get("/").content.decode()  # the security page, from the top bar


def test_an_agent_turns_it_on_from_the_security_page_and_then_needs_a_code(client, agent):
    login(client, "agente")
    page = client.get(SECURITY).content.decode()
    assert "Desactivada" in page and SETUP in page
    secret = secret_on_page(client.get(SETUP).content.decode())
    assert client.post(SETUP, {"code": code_from_secret(secret)})["Location"] == CODES
    codes_page = client.get(CODES).content.decode()
    assert codes_page.count('class="recovery-code"') == 10
    assert "Activada" in client.get(SECURITY).content.decode()
    client.post("/accounts/logout/")

    assert login(client, "agente")["Location"] == VERIFY and not signed_in(client)
    device = TOTPDevice.objects.get(user=agent)
    assert client.post(VERIFY, {"code": totp_code(device)})["Location"] == "/"


def test_an_agent_turns_it_off_with_a_current_code(client, agent):
    device, codes = enable(agent)
    login(client, "agente")
    client.post(VERIFY, {"code": totp_code(device)})
    refused = client.post("/accounts/security/disable/", {"code": "nope"}, follow=True)
    assert "sigue activada" in refused.content.decode() and two_factor_enabled(user=agent)
    with later():
        client.post("/accounts/security/disable/", {"code": codes[0]})
    assert not two_factor_enabled(user=agent) and not StaticDevice.objects.filter(user=agent).exists()
    assert client.get("/panel/").status_code == 200  # still signed in, nothing more to verify
    client.post("/accounts/logout/")
    assert login(client, "agente")["Location"] == "/"


def test_new_recovery_codes_replace_the_old_ones(client, supervisor):
    client.force_login(supervisor)  # verified (tests/conftest.py)
    old = recovery_codes_regenerate(user=supervisor)
    response = client.post("/accounts/security/recovery-codes/")
    assert response["Location"] == CODES
    new = re.findall(r'<li class="recovery-code">([a-z2-7]{8})</li>', client.get(CODES).content.decode())
    assert len(new) == 10 and not set(new) & set(old)
    assert set(StaticToken.objects.values_list("token", flat=True)) == set(new)


def test_a_required_role_that_removes_its_app_sets_up_a_new_one_at_once(client, supervisor):
    device, codes = enable(supervisor)
    login(client, "supervisora")
    client.post(VERIFY, {"code": totp_code(device)})
    assert "Cambio de teléfono" in client.get(SECURITY).content.decode()
    assert client.post("/accounts/security/disable/", {"code": codes[0]})["Location"] == SETUP
    assert client.get("/admin/")["Location"].startswith(SETUP)


def test_required_roles_are_a_setting(client, backoffice, settings):
    settings.TWO_FACTOR_REQUIRED_ROLES = ["admin", "supervisor", "backoffice"]
    assert login(client, "backoffice")["Location"] == SETUP
    settings.TWO_FACTOR_REQUIRED_ROLES = ["admin"]
    supervisor = make_user("sofia", Role.SUPERVISOR)
    assert login(Client(), supervisor.username)["Location"] == "/"


# ---------------------------------------------------------------------------------------------
# Sessions that are signed in but not verified (e.g. the role changed while signed in)
# ---------------------------------------------------------------------------------------------
def unverified(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    ClientMixin.force_login(client, user)  # Django's own: no second step
    return client


def test_an_unverified_session_reaches_no_page_of_a_required_role(supervisor):
    client = unverified(supervisor)
    for path in ("/admin/", "/panel/", "/", "/accounts/security/", "/api/docs/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"] == f"{SETUP}?next={path.replace('/', '%2F')}", path
    enable(supervisor)
    assert client.get("/admin/")["Location"] == f"{VERIFY}?next=%2Fadmin%2F"


def test_session_api_requests_of_an_unverified_required_role_are_refused(supervisor):
    client = unverified(supervisor)
    response = client.get("/api/v1/leads/")
    assert response.status_code == 403 and response.json()["code"] == "two_factor_required"
    bogus = client.get("/api/v1/leads/", headers={"authorization": "Basic eDp5"})  # not a token: still the session
    assert bogus.status_code == 403
    token = Token.objects.create(user=supervisor)  # tokens are for machines: not affected
    assert client.get("/api/v1/leads/", headers={"authorization": f"Token {token.key}"}).status_code == 200
    verified = Client()
    verified.force_login(supervisor)
    assert verified.get("/api/v1/leads/").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_the_panel_socket_is_closed_for_an_unverified_session(supervisor):
    def connect(client: Client) -> tuple[bool, object]:
        headers = [(b"origin", b"http://testserver"), (b"host", b"testserver"),
                   (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode())]

        async def run() -> tuple[bool, object]:
            communicator = WebsocketCommunicator(application, "/ws/panel/", headers=headers)
            connected, code = await communicator.connect(timeout=5)
            await communicator.disconnect()
            return connected, code

        return async_to_sync(run)()

    assert connect(unverified(supervisor)) == (False, 4401)
    verified = Client()
    verified.force_login(supervisor)
    assert connect(verified)[0] is True


# ---------------------------------------------------------------------------------------------
# Admin: reset (lost phone)
# ---------------------------------------------------------------------------------------------
def test_an_admin_resets_a_persons_two_factor_from_the_user_list(client, admin_user, supervisor):
    enable(supervisor)
    client.force_login(admin_user)
    changelist = client.get("/admin/accounts/user/").content.decode()
    assert "reset_two_factor" in changelist
    response = client.post("/admin/accounts/user/", {"action": "reset_two_factor",
                                                     "_selected_action": [supervisor.pk]}, follow=True)
    assert "restablecida" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=supervisor).exists()
    assert not StaticDevice.objects.filter(user=supervisor).exists()
    assert LogEntry.objects.filter(object_id=str(supervisor.pk), user=admin_user).exists()
    assert login(Client(), "supervisora")["Location"] == SETUP  # a new phone at the next login


def test_a_supervisor_cannot_reset_two_factor(client, supervisor, agent):
    enable(agent)
    client.force_login(supervisor)
    assert "reset_two_factor" not in client.get("/admin/accounts/user/").content.decode()
    client.post("/admin/accounts/user/", {"action": "reset_two_factor", "_selected_action": [agent.pk]})
    assert two_factor_enabled(user=agent)


def test_device_admin_pages_with_secret_keys_are_not_offered(client, admin_user):
    client.force_login(admin_user)
    assert client.get("/admin/otp_totp/totpdevice/").status_code == 404
    assert client.get("/admin/otp_static/staticdevice/").status_code == 404
