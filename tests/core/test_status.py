import pytest
from django.test import override_settings

pytestmark = pytest.mark.django_db


def test_system_status_answers_json_with_every_part_to_staff(client, supervisor, settings):
    client.force_login(supervisor)
    response = client.get("/system/status/")
    assert response.status_code == 200
    body = response.json()
    assert {"status", "database", "redis", "celery", "ai_provider", "version", "mode"} <= set(body)
    assert body["database"] == "ok"
    assert body["ai_provider"] == "local"
    if not settings.REDIS_URL:
        assert (body["mode"], body["redis"], body["celery"], body["status"]) == (
            "embedded", "not_configured", "in-process", "ok"
        )


def test_healthz_is_the_same_report(client, admin_user):
    client.force_login(admin_user)
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"


@pytest.mark.parametrize("path", ["/system/status/", "/healthz"])
def test_anonymous_callers_and_agents_learn_only_the_status(client, agent, path):
    response = client.get(path)
    body = response.json()  # load balancers need no more ("degraded" where Redis is set and no worker runs)
    assert response.status_code == 200 and list(body) == ["status"] and body["status"] in ("ok", "degraded")
    client.force_login(agent)
    assert client.get(path).json() == body


def test_a_staff_api_token_sees_the_details(client, admin_user):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=admin_user)
    body = client.get("/system/status/", HTTP_AUTHORIZATION=f"Token {token.key}").json()
    assert {"status", "database", "redis", "celery", "ai_provider", "version"} <= set(body)


def test_a_database_that_is_down_is_a_503_for_anyone(client, monkeypatch):
    from core import runtime

    monkeypatch.setattr(runtime, "check_database", lambda: "error")
    response = client.get("/healthz")
    assert (response.status_code, response.json()) == (503, {"status": "error"})


@pytest.mark.redis
def test_status_reaches_the_real_redis(client, admin_user):
    client.force_login(admin_user)
    body = client.get("/system/status/").json()
    assert body["redis"] == "ok"
    assert body["components"]["channel_layer"] == "redis"


def test_status_reports_a_redis_that_is_down_as_degraded(client, admin_user):
    client.force_login(admin_user)
    with override_settings(REDIS_URL="redis://127.0.0.1:1/0", CELERY_TASK_ALWAYS_EAGER=True):
        body = client.get("/system/status/").json()
    assert (body["redis"], body["status"]) == ("error", "degraded")


def test_status_refuses_other_methods(client):
    assert client.post("/system/status/").status_code == 405


def test_embedded_mode_is_announced_at_start_up(caplog, settings):
    from core.runtime import log_runtime_mode

    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.REDIS_URL = ""
    with caplog.at_level("INFO", logger="crm.runtime"):
        log_runtime_mode(process="web")
    assert "tasks=in-process" in caplog.text and "channel_layer=memory" in caplog.text
    assert "REDIS_URL is not set" in caplog.text


def test_celery_runs_tasks_in_process_only_without_redis(settings):
    from config.celery_app import app

    assert app.conf.task_always_eager is (not settings.REDIS_URL)
    assert app.conf.task_acks_late is True


@pytest.mark.redis
def test_staff_see_how_many_tasks_wait_in_each_workers_queue(client, admin_user, settings):
    import redis

    settings.CELERY_BROKER_URL = settings.REDIS_URL
    settings.CELERY_TASK_ALWAYS_EAGER = False
    broker = redis.Redis.from_url(settings.REDIS_URL)
    before = client.get("/system/status/")  # anonymous: the status only
    assert list(before.json()) == ["status"]
    client.force_login(admin_user)
    waiting = client.get("/system/status/").json()["queues"]
    assert set(waiting) == {"inbound", "ai", "outbound", "default", "bulk"}
    broker.rpush("bulk", *[b"task"] * 3)
    broker.rpush("bulk\x06\x166", b"task")  # kombu's list for a priority step
    try:
        assert client.get("/system/status/").json()["queues"]["bulk"] == waiting["bulk"] + 4
    finally:
        broker.lrem("bulk", 3, b"task")
        broker.lrem("bulk\x06\x166", 1, b"task")


def test_the_embedded_mode_has_no_queues_to_show(client, admin_user, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    client.force_login(admin_user)
    assert client.get("/system/status/").json()["queues"] is None
