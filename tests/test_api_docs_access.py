"""The API schema and Swagger UI are for signed-in users (session or token), not for anyone on the network."""

from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

URLS = ["/api/schema/", "/api/docs/"]


@pytest.mark.parametrize("url", URLS)
def test_anonymous_user_is_refused_the_schema_and_the_docs(url):
    response = APIClient().get(url)
    assert response.status_code in (401, 403)
    assert b"/api/v1/leads/" not in response.content


@pytest.mark.parametrize("url", URLS)
def test_session_user_sees_the_schema_and_the_docs(client, agent, url):
    client.force_login(agent)
    response = client.get(url)
    assert response.status_code == 200


@pytest.mark.parametrize("url", URLS)
def test_token_user_sees_the_schema_and_the_docs(admin_user, url):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=admin_user).key}")
    response = client.get(url)
    assert response.status_code == 200
    if url == "/api/schema/":
        assert b"/api/v1/leads/" in response.content
