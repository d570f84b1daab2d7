"""API rate limits: per address without a user (refused calls included), per user with one, in the cache."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


@pytest.fixture
def rates(settings):
    """Small rates for the test (the suite runs with none), counted from an empty cache."""
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK,
                               "DEFAULT_THROTTLE_RATES": {"anon": "3/min", "user": "5/min"}}
    cache.clear()
    yield
    cache.clear()


def test_anonymous_burst_beyond_the_anon_rate_gets_429(rates):
    client = APIClient()
    answers = [client.get("/api/v1/leads/").status_code for _ in range(5)]
    assert answers == [401, 401, 401, 429, 429]
    response = client.get("/api/v1/leads/")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert response.json()["code"] == "throttled" and response.json()["detail"]


def test_guessed_tokens_count_against_the_anon_rate_whatever_x_forwarded_for_says(rates):
    client = APIClient()
    answers = [
        client.get("/api/v1/leads/", HTTP_AUTHORIZATION=f"Token guess{n}", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")
        .status_code
        for n in range(5)
    ]
    assert answers == [401, 401, 401, 429, 429]


def test_signed_in_user_burst_beyond_the_user_rate_gets_429_and_others_are_not_held(rates, admin_user,
                                                                                     supervisor):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=admin_user).key}")
    answers = [client.get("/api/v1/leads/").status_code for _ in range(6)]
    assert answers == [200] * 5 + [429]
    other = APIClient()
    other.force_login(supervisor)
    assert other.get("/api/v1/leads/").status_code == 200


def test_no_limits_in_the_suite_unless_a_test_sets_them(admin_user):
    client = APIClient()
    client.force_authenticate(admin_user)
    assert all(client.get("/api/v1/leads/").status_code == 200 for _ in range(70))
    anonymous = APIClient()
    assert all(anonymous.get("/api/v1/leads/").status_code == 401 for _ in range(70))


@pytest.mark.parametrize("value", ["none", "off", "", " None "])
def test_a_rate_can_be_turned_off_from_the_environment(monkeypatch, value):
    from config.settings import _throttle_rate

    monkeypatch.setenv("API_THROTTLE_TEST", value)
    assert _throttle_rate("API_THROTTLE_TEST", "60/min") is None
    monkeypatch.setenv("API_THROTTLE_TEST", "120/min")
    assert _throttle_rate("API_THROTTLE_TEST", "60/min") == "120/min"
    monkeypatch.delenv("API_THROTTLE_TEST")
    assert _throttle_rate("API_THROTTLE_TEST", "60/min") == "60/min"
