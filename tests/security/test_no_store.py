"""Pages and API answers with personal data are never stored by a browser or proxy; static files keep caching."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client
from rest_framework.authtoken.models import Token

pytestmark = pytest.mark.django_db


def _no_store(response) -> bool:  # type: ignore[no-untyped-def]
    directives = {part.strip() for part in response.get("Cache-Control", "").split(",")}
    return {"no-store", "private"} <= directives and "public" not in directives


@pytest.mark.parametrize("path", [
    "/", "/panel/", "/panel/kanban/", "/panel/pipeline/", "/panel/counts/", "/sales/", "/sales/commissions/",
    "/admin/", "/admin/leads/contact/", "/api/v1/conversations/", "/api/v1/contacts/",
    "/api/v1/conversations/by-phone/+51987654321/status/", "/system/status/",
])
def test_signed_in_pages_and_api_answers_are_not_stored(client, admin_user, path):
    client.force_login(admin_user)
    response = client.get(path)
    assert response.status_code in (200, 404), path
    assert _no_store(response), (path, response.get("Cache-Control"))


def test_token_api_answers_are_not_stored(admin_user):
    token = Token.objects.create(user=admin_user)
    response = Client().get("/api/v1/leads/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200
    assert _no_store(response)


def test_a_customers_media_file_is_not_stored_for_a_signed_in_user(client, agent):
    default_storage.save("operators/logo.png", ContentFile(b"\x89PNG\r\n\x1a\n"))
    client.force_login(agent)
    response = client.get("/media/operators/logo.png")
    assert response.status_code == 200
    assert _no_store(response) and "max-age=0" in response["Cache-Control"]


def test_login_page_and_anonymous_errors_are_not_stored(client):
    assert _no_store(client.get("/accounts/login/"))
    assert _no_store(client.get("/api/v1/conversations/"))  # 401


def test_static_files_keep_their_caching(settings):
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True
    response = Client().get("/static/css/crm.css")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
    assert "max-age=" in response["Cache-Control"] and "max-age=0" not in response["Cache-Control"]
