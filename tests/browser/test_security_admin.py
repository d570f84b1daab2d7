"""The security pages of the back office, as an administrator and a supervisor see them in a browser:
the IP allowlist and its access log, the audit log, API tokens and a channel account's secrets."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from accounts.ip_allowlist import allowed_network_create
from accounts.models import Role, Team
from accounts.two_factor.services import totp_device_begin, totp_device_confirm
from accounts.two_factor.testing import totp_code
from conftest import make_user
from conversations.models import ChannelAccount
from tests.browser.conftest import RESULTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SECRET = "EAAG-very-secret-access-token"


def _sign_in(page, base: str, username: str, device) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Usuario").fill(username)
    page.get_by_label("Contraseña").fill("pass-for-tests-123")
    page.get_by_role("button", name="Iniciar sesión").click()
    page.wait_for_url(f"{base}/accounts/two-factor/verify/")
    page.get_by_label("Código").fill(totp_code(device))
    page.get_by_role("button", name="Verificar").click()
    page.wait_for_url(f"{base}/")


def _person(username: str, role: str, team: Team | None = None):  # type: ignore[no-untyped-def]
    user = make_user(username, role, team)
    return user, totp_device_confirm(user=user, token=totp_code(totp_device_begin(user=user))).device


def test_an_admin_reads_the_allowlist_its_accesses_and_the_audit_log(live_server, page, hosts, settings):
    settings.IP_RESTRICTION_ENABLED = True
    allowed_network_create(network="127.0.0.0/8", label="Oficina Lima", roles=["agent", "supervisor", "admin"])
    allowed_network_create(network="198.51.100.0/24", label="Casa de Marco", roles=["agent"])
    _admin, device = _person("root", Role.ADMIN)
    # An allowed access is logged once per 10 minutes per person and address, remembered in the (Redis) cache,
    # which outlives the test database: a run before this one may have left the mark of a user with this pk.
    cache.delete(f"ipaccess:ok:{_admin.pk}:127.0.0.1")
    base = live_server.url
    _sign_in(page, base, "root", device)

    page.goto(f"{base}/admin/accounts/allowednetwork/")
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 2 and "Oficina Lima" in page.inner_text("#result_list")
    assert page.locator("#result_list .crm-badge").count() >= 4  # roles and state as badges
    page.screenshot(path=str(RESULTS / "admin-allowed-networks.png"), full_page=True)

    page.goto(f"{base}/admin/accounts/ipaccesslog/")
    assert "127.0.0.1" in page.inner_text("#result_list")  # this very sign-in, from the office
    page.screenshot(path=str(RESULTS / "admin-ip-accesses.png"), full_page=True)

    page.goto(f"{base}/admin/accounts/auditentry/")
    assert "root" in page.inner_text("#result_list")  # the sign-in is in the audit log
    page.screenshot(path=str(RESULTS / "admin-audit-log.png"), full_page=True)


def test_a_supervisor_sees_no_tokens_and_no_channel_secrets(live_server, page, hosts):
    team = Team.objects.create(name="Equipo Lima")
    _supervisor, device = _person("sofia", Role.SUPERVISOR, team)
    account = ChannelAccount.objects.create(provider="meta_whatsapp", name="WhatsApp Lima", account_ref="1065403522",
                                            access_token=SECRET, app_secret="app-secret-1", verify_token="verify-1")
    base = live_server.url
    _sign_in(page, base, "sofia", device)

    page.goto(f"{base}/admin/")
    assert "Token" not in page.inner_text("#content-main")
    response = page.goto(f"{base}/admin/authtoken/tokenproxy/")
    assert response.status == 403

    page.goto(f"{base}/admin/conversations/channelaccount/{account.pk}/change/")
    text = page.inner_text("#content-main")
    assert "WhatsApp Lima" in text and SECRET not in page.content()
    assert page.locator(".field-secrets_state").count() == 1  # which secrets are set, once, never their values
    page.screenshot(path=str(RESULTS / "admin-channel-account-supervisor.png"), full_page=True)
