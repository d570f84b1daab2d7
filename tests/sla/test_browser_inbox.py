"""The inbox in a real browser: each waiting conversation shows its reply target, amber and red where due."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import Role
from conftest import make_user
from tests.browser.conftest import browser, page  # noqa: F401 - Debian's Chromium, one page per test
from tests.browser.live import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path("/tmp/shots")  # noqa: S108 - where the screenshots of this work are looked at


def test_the_inbox_shows_amber_and_red_sla_badges(asgi_live_server, page, make_waiting, team, settings):  # noqa: F811
    from sla.models import ResponseTarget

    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
    for priority, minutes in {"urgent": 15, "high": 30, "normal": 60, "low": 240}.items():  # flushed tables
        ResponseTarget.objects.get_or_create(priority=priority, defaults={"minutes": minutes})
    agent = make_user("lucia", Role.AGENT, team)
    now = timezone.now()
    make_waiting(now - timedelta(minutes=95), name="Rosa Quispe", assignee=agent)
    make_waiting(now - timedelta(minutes=50), name="Luis Flores", assignee=agent)
    make_waiting(now - timedelta(minutes=13), name="Ana Torres", assignee=agent, priority="urgent")
    make_waiting(now - timedelta(minutes=10), name="Pedro Ruiz", assignee=agent)
    make_waiting(now - timedelta(minutes=5), name="Carla Díaz", assignee=agent, waiting_since=None)
    log_in(page, asgi_live_server, "lucia")
    expect(page.locator(".sla-badge-breached")).to_have_count(1)
    expect(page.locator(".sla-badge-warning")).to_have_count(2)
    expect(page.locator(".sla-badge-ok")).to_have_count(1)
    red = page.locator(".sla-badge-breached")
    assert red.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(220, 53, 69)"
    amber = page.locator(".sla-badge-warning").first
    assert amber.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(255, 193, 7)"
    page.set_viewport_size({"width": 1280, "height": 1150})  # every row in the picture
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "sla_inbox.png"))
