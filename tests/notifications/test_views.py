"""The bell's JSON, the full list, marking read (page and API), the admin and the availability switch: each person
sees and changes their own notices only."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.test import Client
from django.utils import translation

from accounts.availability import InvalidAvailabilityError, user_set_availability
from notifications.models import Notification
from notifications.services import notification_create
from notifications.topbar import _COUNTERS, counter_register

pytestmark = pytest.mark.django_db


def _notify(user, n: int = 1, **kwargs):  # type: ignore[no-untyped-def]
    return [notification_create(user=user, kind="sale.validated", title=f"Venta V-{i} validada", url=f"/sales/{i}/",
                                **kwargs) for i in range(n)]


@pytest.fixture
def agent_client(agent) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(agent)
    return client


def test_feed_lists_only_the_users_own_latest_twenty_when_there_are_more(agent_client, agent, other_agent):
    _notify(agent, 22)
    _notify(other_agent, 3)
    body = agent_client.get("/notifications/").json()
    assert body["unread"] == 22 and body["chat_unread"] == 0
    assert len(body["results"]) == 20
    assert body["results"][0]["title"] == "Venta V-21 validada"  # newest first
    own = set(Notification.objects.filter(user=agent).values_list("pk", flat=True))
    assert {r["id"] for r in body["results"]} <= own
    assert set(body["results"][0]) >= {"id", "kind", "icon", "label", "title", "body", "url", "created_at", "read"}


def test_feed_reports_the_chat_count_when_the_chat_registers_its_counter(agent_client):
    saved = dict(_COUNTERS)
    counter_register("chat_unread", lambda *, user: 7)
    try:
        assert agent_client.get("/notifications/").json()["chat_unread"] == 7
    finally:
        _COUNTERS.clear()
        _COUNTERS.update(saved)


def test_read_marks_the_given_ids_and_leaves_another_users_untouched(agent_client, agent, other_agent):
    mine = _notify(agent, 2)
    theirs = _notify(other_agent)[0]
    response = agent_client.post("/notifications/read/", {"ids": [mine[0].pk, theirs.pk]},
                                 content_type="application/json", HTTP_ACCEPT="application/json")
    assert response.status_code == 200 and response.json() == {"unread": 1}
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert Notification.objects.get(pk=mine[0].pk).read_at is not None


def test_read_all_from_the_page_marks_every_own_notice_and_comes_back(agent_client, agent, other_agent):
    _notify(agent, 3)
    _notify(other_agent, 1)
    response = agent_client.post("/notifications/read/", {"all": "1"})
    assert response.status_code == 302 and response["Location"] == "/notifications/all/"
    assert not Notification.objects.filter(user=agent, read_at__isnull=True).exists()
    assert Notification.objects.filter(user=other_agent, read_at__isnull=True).count() == 1


@pytest.mark.parametrize("payload", [{}, {"ids": []}, {"ids": ["x"]}, {"ids": "3"}, [1, 2], {"ids": [2**63 + 1]},
                                     {"ids": [0]}, {"ids": [True]}])
def test_read_is_refused_when_it_says_neither_ids_nor_all(agent_client, agent, payload):
    _notify(agent)
    response = agent_client.post("/notifications/read/", payload, content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "invalid_ids"
    assert Notification.objects.filter(read_at__isnull=True).count() == 1


def test_read_is_refused_when_the_json_is_broken(agent_client):
    response = agent_client.post("/notifications/read/", "{nope", content_type="application/json")
    assert response.status_code == 400


def test_read_is_refused_when_asked_with_get(agent_client):
    assert agent_client.get("/notifications/read/").status_code == 405


@pytest.mark.parametrize("url", ["/notifications/", "/notifications/all/"])
def test_anonymous_is_sent_to_log_in_when_opening_the_bell(client, url):
    response = client.get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_anonymous_cannot_mark_anything_read(client, agent):
    notice = _notify(agent)[0]
    response = client.post("/notifications/read/", {"all": "1"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    notice.refresh_from_db()
    assert notice.read_at is None


def test_all_page_paginates_and_offers_mark_all_read_when_some_are_unread(agent_client, agent, other_agent):
    _notify(agent, 27)
    _notify(other_agent, 1)
    html = agent_client.get("/notifications/all/").content.decode()
    assert html.count('class="list-group-item list-group-item-action') == 25
    assert 'id="notifications-read-all"' in html and "Page 1 of 2" in html
    page2 = agent_client.get("/notifications/all/?page=2").content.decode()
    assert page2.count("data-notification-id=") == 2
    Notification.objects.update(read_at="2026-01-01T00:00:00Z")
    html = agent_client.get("/notifications/all/?unread=1").content.decode()
    assert 'id="notifications-read-all"' not in html and 'id="notifications-empty"' in html


def test_top_bar_shows_the_bell_count_chat_and_links_when_logged_in(agent_client, agent):
    _notify(agent, 3)
    html = agent_client.get("/notifications/all/").content.decode()
    for element in ('id="nav-bell"', 'id="nav-bell-menu"', 'id="nav-chat"', 'id="nav-chat-unread"',
                    'id="nav-tickets"', 'id="nav-collections"', 'id="nav-availability"', 'id="nav-notify-toggle"'):
        assert element in html, element
    assert 'id="nav-bell-count">3<' in html
    assert html.index("panel/socket.js") < html.index("js/live.js")
    assert "data-own-socket" not in html  # this page lets live.js open the socket


def test_panel_pages_bring_their_own_socket(agent_client):
    for url in ("/panel/", "/panel/kanban/"):
        html = agent_client.get(url).content.decode()
        assert 'data-own-socket="1"' in html and html.count("panel/socket.js") == 1, url


# ---- API ----

def test_api_lists_only_the_users_own_notices_paginated(api_client_for, agent, other_agent):
    _notify(agent, 30)
    _notify(other_agent, 2)
    notification_create(user=agent, kind="sale.rejected", title="Venta rechazada")
    Notification.objects.filter(user=agent, kind="sale.validated").update(read_at="2026-01-01T00:00:00Z")
    response = api_client_for(agent).get("/api/v1/notifications/")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 31 and len(body["results"]) == 25 and body["next"]
    assert body["results"][0]["kind"] == "sale.rejected" and body["results"][0]["read"] is False
    unread = api_client_for(agent).get("/api/v1/notifications/?unread=true").json()
    assert [r["title"] for r in unread["results"]] == ["Venta rechazada"]


def test_api_read_marks_only_the_users_own_ids(api_client_for, agent, other_agent):
    mine = _notify(agent, 2)
    theirs = _notify(other_agent)[0]
    response = api_client_for(agent).post("/api/v1/notifications/read/", {"ids": [mine[0].pk, theirs.pk]},
                                          format="json")
    assert response.status_code == 200 and response.json() == {"unread": 1, "marked": 1}
    theirs.refresh_from_db()
    assert theirs.read_at is None
    response = api_client_for(agent).post("/api/v1/notifications/read/", {"all": True}, format="json")
    assert response.json() == {"unread": 0, "marked": 1}


@pytest.mark.parametrize("payload", [{"ids": []}, {"ids": [2**63 + 1]}, {"ids": [0]}])
def test_api_read_is_refused_when_it_says_neither_ids_nor_all(api_client_for, agent, payload):
    response = api_client_for(agent).post("/api/v1/notifications/read/", payload, format="json")
    assert response.status_code == 400


@pytest.mark.parametrize(("method", "url"), [("get", "/api/v1/notifications/"),
                                             ("post", "/api/v1/notifications/read/")])
def test_api_answers_401_when_anonymous(api_client_for, method, url):
    assert getattr(api_client_for(None), method)(url).status_code == 401


# ---- admin ----

def test_admin_reads_notices_but_nobody_edits_them(client, admin_user, agent, supervisor):
    notice = _notify(agent)[0]
    client.force_login(admin_user)
    assert client.get("/admin/notifications/notification/").status_code == 200
    assert client.get(f"/admin/notifications/notification/{notice.pk}/change/").status_code == 200
    assert client.post(f"/admin/notifications/notification/{notice.pk}/delete/", {"post": "yes"}).status_code == 403
    model_admin = admin.site._registry[Notification]
    request = client.get("/admin/").wsgi_request
    assert not model_admin.has_add_permission(request) and not model_admin.has_change_permission(request, notice)
    supervisor.is_staff = True
    supervisor.save(update_fields=["is_staff"])
    client.force_login(supervisor)
    assert client.get("/admin/notifications/notification/").status_code == 403


# ---- availability ----

def test_availability_is_saved_when_the_value_is_known(agent_client, agent):
    response = agent_client.post("/notifications/availability/", {"availability": "away", "next": "/panel/"})
    assert response.status_code == 302 and response["Location"] == "/panel/"
    agent.refresh_from_db()
    assert agent.availability == "away"
    response = agent_client.post("/notifications/availability/", {"availability": "offline"},
                                 HTTP_ACCEPT="application/json")
    assert response.json() == {"availability": "offline", "label": "Offline"}


@pytest.mark.parametrize("value", ["", "busy", "AVAILABLE"])
def test_availability_is_refused_when_the_value_is_unknown(agent_client, agent, value):
    with pytest.raises(InvalidAvailabilityError), translation.override("en"):
        user_set_availability(user=agent, availability=value)
    response = agent_client.post("/notifications/availability/", {"availability": value},
                                 HTTP_ACCEPT="application/json")
    assert response.status_code == 400 and response.json()["code"] == "invalid_availability"
    response = agent_client.post("/notifications/availability/", {"availability": value, "next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == "/"  # never off-site
    agent.refresh_from_db()
    assert agent.availability == "available"


def test_availability_needs_a_logged_in_user(client, agent):
    response = client.post("/notifications/availability/", {"availability": "away"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    agent.refresh_from_db()
    assert agent.availability == "available"
