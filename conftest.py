"""Shared fixtures: test personas (CONTRACT roles), API clients, and gating of real services.

With ``REQUIRE_SERVICES=1`` a test that needs PostgreSQL or Redis fails instead of skipping;
``REQUIRE_BROWSER=1`` does the same for browser tests.
"""

from __future__ import annotations

import os
import shutil

import pytest
from django.conf import settings
from django.db.models.signals import post_migrate
from rest_framework.test import APIClient

from accounts.models import Role, Team, User

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"
REQUIRE_BROWSER = os.environ.get("REQUIRE_BROWSER") == "1"
CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"


def _missing(reason: str, *, required: bool) -> None:
    if required:
        pytest.fail(f"required but unavailable: {reason}")
    pytest.skip(reason)


# A browser test whose wait for the page timed out runs once more (pytest-rerunfailures; shown as "R" and in the
# summary): on a host running at half its usual speed, with two test processes, Chromium and PostgreSQL on two cores,
# a page now and then misses a 10-second wait that takes well under a second otherwise. Only Playwright's timeouts:
# an assertion that fails is never retried. ``BROWSER_RERUNS=0`` turns it off.
BROWSER_RERUNS = int(os.environ.get("BROWSER_RERUNS", "1"))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark browser tests and run them last: Playwright's sync API holds an event loop in this thread."""
    # Playwright is imported by the browser tests only; here for the class of its timeouts.
    from playwright.sync_api import TimeoutError as PageTimeout

    for item in items:
        if "browser" in item.nodeid.split("::")[0].split("/"):
            item.add_marker(pytest.mark.browser)
        if BROWSER_RERUNS and item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.flaky(reruns=BROWSER_RERUNS, only_rerun=[PageTimeout]))
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


def pytest_runtest_setup(item: pytest.Item) -> None:
    from django.db import connection

    if item.get_closest_marker("postgres") and connection.vendor != "postgresql":
        _missing("needs PostgreSQL (set DATABASE_URL)", required=REQUIRE_SERVICES)
    if item.get_closest_marker("redis") and not settings.REDIS_URL:
        _missing("needs Redis (set REDIS_URL)", required=REQUIRE_SERVICES)
    if item.get_closest_marker("browser") and not os.path.exists(CHROMIUM):
        _missing(f"needs Chromium at {CHROMIUM}", required=REQUIRE_BROWSER)


# The data migrations' own functions, run again after a flush (each takes the app registry, as a migration does).
_DATA_MIGRATIONS = (
    ("sales.migrations.0002_discount_limits", "create_limits"),
    ("sla.migrations.0002_default_targets", "create_targets"),
    ("tickets.migrations.0002_default_sla_policies", "create_policies"),
)


def _reference_data_restore(sender, **kwargs):  # type: ignore[no-untyped-def]
    """Put back the rows migrations and ``create_roles`` made, after a transactional test flushed every table.

    Django's flush sends ``post_migrate`` once per app (that is how content types and permissions come back);
    this runs at the last app's, when every permission exists again. Whichever test a process runs next, in
    whatever order the parallel workers take the files, finds the roles and defaults a fresh database has.
    """
    # Imported here: this module loads before Django is set up (models), and the migrations by name.
    import importlib

    from auditlog.context import disable_auditlog
    from django.apps import apps

    from accounts.services import roles_create
    from leads.scoring import scoring_defaults_ensure

    if sender is not [config for config in apps.get_app_configs() if config.models_module][-1]:
        return
    with disable_auditlog():  # a fresh database's audit log is empty too
        roles_create()
        scoring_defaults_ensure()
        for module, function in _DATA_MIGRATIONS:
            getattr(importlib.import_module(module), function)(apps, None)


post_migrate.connect(_reference_data_restore, dispatch_uid="tests.reference_data_restore")


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    from conversations.services.accounts import channel_account_secrets_changed

    channel_account_secrets_changed()  # no secrets remembered from another test's accounts
    settings.AI_PROVIDER = "local"
    # Its default follows the mode (on without REDIS_URL): off in every run unless a test turns it on.
    settings.SANDBOX_ENABLED = False
    # No API rate limits unless a test sets them (ids repeat across tests, and the cache outlives a test).
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": None, "user": None}}
    settings.OPENAI_BASE_URL = "http://127.0.0.1:9/v1"  # never the real service
    # The manifest needs collectstatic; tests serve static files from the finders instead.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }



@pytest.fixture(autouse=True)
def _config_cache_clear():  # type: ignore[no-untyped-def]
    """Each test starts with an empty per-process configuration cache (core.config_cache): the rows a cached
    snapshot came from were rolled back (or flushed) with the test that loaded them."""
    from core.config_cache import config_cache_clear

    config_cache_clear()
    yield
    config_cache_clear()


@pytest.fixture(autouse=True)
def _default_language():  # type: ignore[no-untyped-def]
    """Each test starts in the site's language: a request with ``Accept-Language: en`` leaves English active
    in its thread (LocaleMiddleware), which must not leak into the next test's messages."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _channel_layer_left_clean():  # type: ignore[no-untyped-def]
    """A Redis channel layer that a test left mid-receive (a socket not closed before its event loop ended)
    keeps its receive lock bound to that dead loop, and every later socket test fails on it. So every Redis
    layer is dropped after its test and the next test gets a fresh one. The browser tests' daphne is not hurt:
    a socket keeps the layer it was opened with, the next sockets get the new one, and both read the same Redis."""
    yield
    from channels import DEFAULT_CHANNEL_LAYER
    from channels.layers import InMemoryChannelLayer, channel_layers

    layer = channel_layers.backends.get(DEFAULT_CHANNEL_LAYER)
    if layer is not None and not isinstance(layer, InMemoryChannelLayer):
        # Its locks (receive, per-channel clean-up) are bound to the loops of the test that used it.
        channel_layers.backends.pop(DEFAULT_CHANNEL_LAYER, None)

def make_user(username: str, role: str, team: Team | None = None) -> User:
    from accounts.services import user_create

    return user_create(username=username, password="pass-for-tests-123", role=role, team=team,
                       first_name=username.capitalize())


@pytest.fixture
def team(db) -> Team:  # type: ignore[no-untyped-def]
    return Team.objects.create(name="Equipo Lima")


@pytest.fixture
def other_team(db) -> Team:  # type: ignore[no-untyped-def]
    return Team.objects.create(name="Equipo Norte")


@pytest.fixture
def supervisor(team: Team) -> User:
    user = make_user("supervisora", Role.SUPERVISOR, team)
    team.supervisor = user
    team.save()
    return user


@pytest.fixture
def agent(team: Team, supervisor: User) -> User:
    """An agent on the supervisor's team."""
    return make_user("agente", Role.AGENT, team)


@pytest.fixture
def other_agent(other_team: Team) -> User:
    """An agent outside the supervisor's team."""
    return make_user("otro_agente", Role.AGENT, other_team)


@pytest.fixture
def backoffice(db) -> User:  # type: ignore[no-untyped-def]
    return make_user("backoffice", Role.BACKOFFICE)


@pytest.fixture
def admin_user(db) -> User:  # type: ignore[no-untyped-def]
    return make_user("administradora", Role.ADMIN)


@pytest.fixture
def api_client_for():  # type: ignore[no-untyped-def]
    def _client(user: User | None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return _client
