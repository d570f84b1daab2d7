"""Fixtures for every test under tests/ (the personas and settings are in the root conftest.py)."""

from __future__ import annotations

import contextlib

import pytest
from django.test import Client

from accounts.two_factor.testing import client_session_verify
from tests.browser.live import asgi_live_server  # noqa: F401 - one daphne per process for every browser test
from tests.listener import listener  # noqa: F401 - a fixture for every test


@pytest.fixture(autouse=True)
def _force_login_passes_two_factor(monkeypatch):  # type: ignore[no-untyped-def]
    """``Client.force_login`` skips the login form, and so its second step: an admin's or supervisor's session
    is marked verified by a real confirmed app (accounts.two_factor.testing), as a right code would mark it.

    Production is unchanged: the login view and the middleware still ask everyone else. A test that needs a
    signed-in but unverified session calls ``django.test.client.ClientMixin.force_login(client, user)``.
    """
    original = Client.force_login

    def force_login(self, user, backend=None):  # type: ignore[no-untyped-def]
        original(self, user, backend)
        client_session_verify(self, user)

    monkeypatch.setattr(Client, "force_login", force_login)


@pytest.fixture(autouse=True)
def _two_factor_cache_forgotten():  # type: ignore[no-untyped-def]
    """Whether someone turned two-step verification on is cached by user id, and ids repeat across tests."""
    from accounts.two_factor.services import two_factor_cache_clear

    two_factor_cache_clear()


@contextlib.contextmanager
def celery_eager(value: bool):  # type: ignore[no-untyped-def]
    """Celery's ``task_always_eager`` for one test, then back to what Django's settings say.

    Setting it on ``app.conf`` shadows the setting for good; the shadow is taken away afterwards, so a
    later ``settings.CELERY_TASK_ALWAYS_EAGER`` change is heard again.
    """
    from celery import current_app

    changes = current_app.conf.changes
    had, old = "task_always_eager" in changes, changes.get("task_always_eager")
    current_app.conf.task_always_eager = value
    try:
        yield
    finally:
        if had:
            changes["task_always_eager"] = old
        else:
            changes.pop("task_always_eager", None)


@pytest.fixture
def own_redis():  # type: ignore[no-untyped-def]
    """A redis-server of this test alone, started, killed after it (tests/brokers.py); skips without the binary."""
    import os
    import shutil

    from tests.brokers import OwnRedis

    binary = shutil.which("redis-server")
    if binary is None:
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail("required but unavailable: needs the redis-server binary")
        pytest.skip("needs the redis-server binary")
    server = OwnRedis(binary)
    server.start()
    yield server
    server.kill()


@pytest.fixture
def config_cache_local_only(settings):  # type: ignore[no-untyped-def]
    """The config cache heard only through this process's signals: no shared-generation check, no expiry by age
    (so a test sees exactly what the explicit invalidation did)."""
    settings.CONFIG_CACHE_CHECK_SECONDS = 10**9
    settings.CONFIG_CACHE_MAX_AGE_SECONDS = 10**9
