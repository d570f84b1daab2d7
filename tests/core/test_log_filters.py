"""Access and request logs star customers' phone numbers (core/log_filters.py, installed in LOGGING)."""

from __future__ import annotations

import logging
import os
import subprocess
import sys

import pytest
from django.conf import settings

from core.log_filters import MaskPhoneNumbers, mask_phone_numbers

PHONE_PATH = "/api/v1/conversations/by-phone/+51987654321/status/"


@pytest.mark.parametrize(("text", "masked"), [
    (PHONE_PATH, "/api/v1/conversations/by-phone/+********321/status/"),
    ("/by-phone/%2B51987654321/history/", "/by-phone/%2B********321/history/"),
    ("/api/v1/contacts/?q=987654321", "/api/v1/contacts/?q=******321"),
    ("/api/v1/contacts/?q=987%20654%20321", "/api/v1/contacts/?q=***%20***%20321"),
    ("/panel/c/12345/?since=2026-01-31", "/panel/c/12345/?since=2026-01-31"),  # ids and dates stay
    ("127.0.0.1:54321", "127.0.0.1:54321"),
])
def test_phone_numbers_are_starred_but_their_last_three_digits(text, masked):
    assert mask_phone_numbers(text) == masked


def test_a_record_keeps_its_status_and_size_arguments():
    record = logging.LogRecord("django.server", logging.INFO, __file__, 1, '"%s" %s %s',
                               (f"GET {PHONE_PATH} HTTP/1.1", "200", "1234567"), None)
    MaskPhoneNumbers().filter(record)
    assert record.getMessage() == '"GET /api/v1/conversations/by-phone/+********321/status/ HTTP/1.1" 200 1234567'


def test_uvicorn_access_line_is_masked_when_django_configured_logging_after_uvicorn():
    """As under ``uvicorn config.asgi:application``: uvicorn's logging first, then Django's LOGGING."""
    code = (
        "import logging, logging.config, uvicorn.config, django\n"
        "logging.config.dictConfig(uvicorn.config.LOGGING_CONFIG)\n"
        "django.setup()\n"
        "logging.getLogger('uvicorn.access').info("
        f"'%s - \"%s %s HTTP/%s\" %d', '127.0.0.1:50312', 'GET', '{PHONE_PATH}', '1.1', 401)\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"}
    result = subprocess.run([sys.executable, "-c", code], env=env, cwd=settings.BASE_DIR,  # noqa: S603 - our own
                            capture_output=True, text=True, check=True, timeout=60)
    lines = [line for line in result.stderr.splitlines() if "uvicorn.access" in line]
    assert len(lines) == 1, result.stderr
    assert lines[0].endswith('127.0.0.1:50312 - "GET /api/v1/conversations/by-phone/+********321/status/ HTTP/1.1" 401')
    assert "987654" not in result.stderr


@pytest.mark.django_db
def test_django_request_log_of_a_by_phone_url_is_masked(client, caplog):
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = client.get(PHONE_PATH)  # no credentials: 401, logged as "Unauthorized: <path>"
    assert response.status_code == 401
    lines = [record.getMessage() for record in caplog.records if record.name == "django.request"]
    assert lines == ["Unauthorized: /api/v1/conversations/by-phone/+********321/status/"]
    assert "987654" not in caplog.text


@pytest.mark.parametrize("name", ["uvicorn.access", "django.request", "django.server", "django.channels.server"])
def test_the_loggers_that_log_paths_have_the_filter(name):
    assert any(isinstance(f, MaskPhoneNumbers) for f in logging.getLogger(name).filters)
