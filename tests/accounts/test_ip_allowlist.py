"""The IP allowlist: per role, at login, on every request (session or token), on the socket, behind proxies,
with its command and the optional reputation lookup."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token

from accounts import ip_allowlist
from accounts.ip_allowlist import allowed_network_create, allowed_networks_changed
from accounts.models import AllowedNetwork, IPAccessLog
from accounts.two_factor.testing import client_two_factor_pass
from config.asgi import application
from core.client_ip import TrustedProxyMiddleware
from tests.core.test_client_ip import _call

PASSWORD = "pass-for-tests-123"
OFFICE = "203.0.113.7"
HOME = "198.51.100.23"


@pytest.fixture(autouse=True)
def restricted(settings):  # type: ignore[no-untyped-def]
    settings.IP_RESTRICTION_ENABLED = True
    settings.IP_RISK_LOOKUP_URL = ""
    cache.clear()
    allowed_networks_changed()
    yield
    allowed_networks_changed()
    cache.clear()


@pytest.fixture
def office(db):  # type: ignore[no-untyped-def]
    """Agents and supervisors from the office; admins from anywhere."""
    allowed_network_create(network="203.0.113.0/24", label="Oficina Lima", roles=["agent", "supervisor"])
    allowed_network_create(network="0.0.0.0/0", label="Administración", roles=["admin"])
    allowed_network_create(network="::/0", label="Administración v6", roles=["admin"])


def _login(username: str, address: str) -> tuple[Client, object]:
    client = Client(REMOTE_ADDR=address)
    response = client.post("/accounts/login/", {"username": username, "password": PASSWORD})
    return client, response


@pytest.mark.django_db
def test_an_agent_logs_in_from_the_office_and_is_refused_from_home(agent, office):
    client, response = _login("agente", OFFICE)
    assert response.status_code == 302 and client.get("/panel/").status_code == 200
    _, refused = _login("agente", HOME)
    assert refused.status_code == 200 and "_auth_user_id" not in refused.wsgi_request.session
    assert HOME in refused.content.decode() and "no está permitido" in refused.content.decode()
    log = IPAccessLog.objects.get(is_allowed=False)
    assert (log.address, log.user, log.reason) == (HOME, agent, "no_network")


@pytest.mark.django_db
def test_admins_work_from_anywhere_when_their_role_is_allowed_everywhere(admin_user, agent, office):
    client, response = _login(admin_user.username, HOME)
    assert response.status_code == 302 and response["Location"] == "/accounts/two-factor/setup/"  # password let in
    client_two_factor_pass(client, admin_user)
    assert client.get("/admin/").status_code == 200


@pytest.mark.django_db
def test_a_signed_in_session_from_another_address_is_refused_and_signed_out(agent, office):
    client, _ = _login("agente", OFFICE)
    moved = Client(REMOTE_ADDR=HOME)
    moved.cookies = client.cookies  # the same session, now from home
    response = moved.get("/panel/")
    assert response.status_code == 403 and HOME in response.content.decode()
    assert client.get("/panel/").status_code == 302  # signed out everywhere: the session is gone


@pytest.mark.django_db
def test_the_api_refuses_a_token_from_an_address_the_role_may_not_use(agent, office):
    token = Token.objects.create(user=agent)
    headers = {"HTTP_AUTHORIZATION": f"Token {token.key}"}
    assert Client(REMOTE_ADDR=OFFICE).get("/api/v1/leads/", **headers).status_code == 200
    refused = Client(REMOTE_ADDR=HOME).get("/api/v1/leads/", **headers)
    assert refused.status_code == 403 and HOME in refused.json()["detail"]


@pytest.mark.django_db
def test_with_the_restriction_off_nobody_is_refused(settings, agent, office):
    settings.IP_RESTRICTION_ENABLED = False
    client, response = _login("agente", HOME)
    assert response.status_code == 302 and client.get("/panel/").status_code == 200
    assert not IPAccessLog.objects.exists()


@pytest.mark.django_db
def test_with_no_network_for_a_role_that_role_works_from_nowhere(agent, backoffice, office):
    _, response = _login("backoffice", OFFICE)  # the office admits agents and supervisors only
    assert response.status_code == 200 and "no está permitido" in response.content.decode()


@pytest.mark.django_db
def test_an_expired_network_no_longer_admits_and_cleanup_removes_it(agent):
    row = allowed_network_create(network="203.0.113.0/24", label="Casa, una semana", roles=["agent"],
                                 expires_at=timezone.now() + timedelta(days=7))
    assert _login("agente", OFFICE)[1].status_code == 302
    AllowedNetwork.objects.filter(pk=row.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    allowed_networks_changed()
    assert _login("agente", OFFICE)[1].status_code == 200
    out = io.StringIO()
    call_command("manage_ips", "cleanup", stdout=out)
    assert not AllowedNetwork.objects.exists() and "1" in out.getvalue()


@pytest.mark.django_db
def test_allowed_accesses_are_logged_once_a_while_with_the_networks_hit_count(agent, office):
    client, _ = _login("agente", OFFICE)
    for _ in range(5):
        client.get("/panel/")
    assert IPAccessLog.objects.filter(is_allowed=True, user=agent).count() == 1
    assert AllowedNetwork.objects.get(label="Oficina Lima").hits == 1


# ---------------------------------------------------------------------------------------------
# Behind a proxy: only a trusted proxy's X-Forwarded-For counts
# ---------------------------------------------------------------------------------------------
def _asgi_login(app, *, peer: str, forwarded: str) -> int:
    import re
    from urllib.parse import urlencode

    status, headers, page = async_to_sync(_call)(app, "GET", "/accounts/login/", headers=[], peer=peer)
    cookie = next(c for c in headers[b"set-cookie"] if c.startswith(b"csrftoken=")).split(b";")[0]
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1).decode()
    body = urlencode({"username": "agente", "password": PASSWORD, "csrfmiddlewaretoken": token}).encode()
    status, _, _ = async_to_sync(_call)(app, "POST", "/accounts/login/", peer=peer, body=body, headers=[
        (b"cookie", cookie), (b"content-type", b"application/x-www-form-urlencoded"),
        (b"x-forwarded-for", forwarded.encode())])
    return status


@pytest.mark.django_db(transaction=True)
def test_a_forged_forwarded_for_from_an_untrusted_peer_does_not_open_the_office_network(agent, office):
    assert _asgi_login(application, peer=HOME, forwarded=OFFICE) == 200  # refused: the form again
    assert IPAccessLog.objects.get(is_allowed=False).address == HOME


@pytest.mark.django_db(transaction=True)
def test_behind_a_trusted_proxy_the_forwarded_client_address_is_checked(agent, office):
    behind_proxy = TrustedProxyMiddleware(application.app, trusted=["10.0.0.0/8"])
    assert _asgi_login(behind_proxy, peer="10.0.0.2", forwarded=OFFICE) == 302
    assert _asgi_login(behind_proxy, peer="10.0.0.2", forwarded=HOME) == 200
    assert set(IPAccessLog.objects.values_list("address", "is_allowed")) == {(OFFICE, True), (HOME, False)}


# ---------------------------------------------------------------------------------------------
# The panel's socket
# ---------------------------------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_the_panel_socket_is_closed_for_an_address_the_role_may_not_use(agent, office):
    client = Client(REMOTE_ADDR=OFFICE)
    client.force_login(agent)
    headers = [(b"origin", b"http://testserver"), (b"host", b"testserver"),
               (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode())]

    async def connect(address: str) -> tuple[bool, object]:
        communicator = WebsocketCommunicator(application, "/ws/panel/", headers=headers)
        communicator.scope["client"] = (address, 5000)
        connected, code = await communicator.connect(timeout=5)
        await communicator.disconnect()
        return connected, code

    assert async_to_sync(connect)(OFFICE)[0] is True
    assert async_to_sync(connect)(HOME) == (False, 4403)


# ---------------------------------------------------------------------------------------------
# manage_ips
# ---------------------------------------------------------------------------------------------
def _run(*args: str) -> str:
    out = io.StringIO()
    call_command("manage_ips", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.mark.django_db
def test_manage_ips_adds_lists_explains_counts_and_removes(agent):
    assert "Oficina Lima" in _run("add", "203.0.113.9/24", "--label", "Oficina Lima", "--roles", "agent,supervisor")
    row = AllowedNetwork.objects.get()
    assert (row.network, row.roles) == ("203.0.113.0/24", ["agent", "supervisor"])  # written as a network
    listing = _run("list")
    assert "203.0.113.0/24" in listing and "agent,supervisor" in listing
    _login("agente", OFFICE)
    _login("agente", HOME)
    info = _run("info", OFFICE)
    assert "Oficina Lima" in info and "agent" in info and "✓" in info
    stats = _run("stats")
    assert HOME in stats and OFFICE in stats
    assert "1" in _run("remove", str(row.pk)) and not AllowedNetwork.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("args", [("add", "10.0.0.300", "--label", "x"), ("add", "10.0.0.0/8", "--label", "x",
                                                                           "--roles", "jefe"),
                                  ("remove", "10.9.9.9"), ("info", "not-an-ip")])
def test_manage_ips_refuses_bad_input_with_a_clear_error(args):
    with pytest.raises(CommandError):
        _run(*args)
    assert not AllowedNetwork.objects.exists()


# ---------------------------------------------------------------------------------------------
# Admin pages
# ---------------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_only_admins_manage_the_allowlist_in_admin(settings, admin_user, supervisor):
    settings.IP_RESTRICTION_ENABLED = False
    client = Client()
    client.force_login(supervisor)
    assert client.get("/admin/accounts/allowednetwork/").status_code == 403
    client.force_login(admin_user)
    response = client.post("/admin/accounts/allowednetwork/add/", {
        "network": "203.0.113.0/24", "label": "Oficina Lima", "roles": ["agent"], "is_active": "on"})
    assert response.status_code == 302
    row = AllowedNetwork.objects.get()
    assert (row.roles, row.created_by) == (["agent"], admin_user)
    page = client.get("/admin/accounts/allowednetwork/").content.decode()
    assert "crm-badge" in page and "Oficina Lima" in page


# ---------------------------------------------------------------------------------------------
# Optional reputation lookup (a local fake of the service)
# ---------------------------------------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize(("action", "expected"), [("log", 302), ("block", 200)])
def test_a_vpn_address_is_flagged_or_refused_by_the_risk_lookup(settings, httpserver, admin_user, office, action,
                                                                 expected):
    httpserver.expect_request(f"/{HOME}").respond_with_data(json.dumps({"ip": HOME, "privacy": {"vpn": True}}),
                                                            content_type="application/json")
    settings.IP_RISK_LOOKUP_URL = httpserver.url_for("/")
    settings.IP_RISK_ACTION = action
    _, response = _login(admin_user.username, HOME)
    assert response.status_code == expected
    log = IPAccessLog.objects.get()
    assert "vpn" in log.reason and log.is_allowed is (action == "log")


@pytest.mark.django_db
def test_an_unreachable_risk_lookup_lets_allowed_people_in(settings, admin_user, office):
    settings.IP_RISK_LOOKUP_URL = "http://127.0.0.1:9"
    settings.IP_RISK_ACTION = "block"
    assert _login(admin_user.username, HOME)[1].status_code == 302


def test_the_rules_are_read_again_after_a_change_in_this_process(db):
    allowed_network_create(network="203.0.113.0/24", label="Oficina", roles=["agent"])
    assert ip_allowlist.ip_access_check(address=OFFICE, role="agent").allowed
    AllowedNetwork.objects.all().delete()
    allowed_networks_changed()
    assert not ip_allowlist.ip_access_check(address=OFFICE, role="agent").allowed
