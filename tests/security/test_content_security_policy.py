"""The Content Security Policy header, and templates that need no exception to it (the browser side is in
tests/browser/test_csp.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings

from tests.deployed_settings import deployed_setting

pytestmark = pytest.mark.django_db

HEADER = "Content-Security-Policy"


def _directives(response) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    policy = response[HEADER]
    return {name: values for name, *values in (part.split() for part in policy.split(";") if part.strip())}


@pytest.mark.parametrize("path", ["/accounts/login/", "/panel/", "/panel/pipeline/", "/sales/", "/admin/"])
def test_pages_carry_a_policy_without_inline_code_when_signed_in(client, admin_user, path):
    if path != "/accounts/login/":
        client.force_login(admin_user)
    response = client.get(path)
    assert response.status_code == 200
    policy = _directives(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"] and policy["style-src"] == ["'self'"]
    assert policy["img-src"] == ["'self'", "data:"]
    assert policy["connect-src"] == ["'self'", "ws://testserver"]  # the panel socket on this host
    assert policy["frame-ancestors"] == policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == policy["form-action"] == ["'self'"]
    assert "unsafe" not in response[HEADER]


def test_socket_origin_is_wss_when_the_page_came_over_https(client, admin_user):
    client.force_login(admin_user)
    response = client.get("/panel/", secure=True)
    assert _directives(response)["connect-src"] == ["'self'", "wss://testserver"]


def test_media_origin_of_s3_is_allowed_for_images_and_audio_when_s3_is_configured():
    policy = deployed_setting("CONTENT_SECURITY_POLICY", AWS_STORAGE_BUCKET_NAME="crm-media",
                              AWS_S3_ENDPOINT_URL="http://minio:9000/")
    directives = policy["DIRECTIVES"]
    assert directives["img-src"] == ["'self'", "data:", "http://minio:9000"]
    assert directives["media-src"] == ["'self'", "http://minio:9000"]
    assert directives["script-src"] == ["'self'"]


INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I), "inline <script>"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "inline event handler"),
    (re.compile(r"\sstyle\s*=", re.I), "style attribute"),
    (re.compile(r"<style", re.I), "<style> element"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
    (re.compile(r"hx-on", re.I), "htmx inline handler"),
]


def test_no_template_has_inline_script_handler_or_style():
    base = Path(settings.BASE_DIR)
    templates = [path for path in base.glob("**/templates/**/*.html") if ".venv" not in path.parts]
    assert len(templates) > 20
    found = [f"{path.relative_to(base)}: {what}" for path in templates for pattern, what in INLINE
             if pattern.search(path.read_text())]
    assert found == []
