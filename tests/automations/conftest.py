"""Provider settings that keep every send on this machine, and a Graph API that accepts every send."""

from __future__ import annotations

import itertools
import re

import pytest

from tests.conversations.conftest import ai_off, post_meta, provider_settings  # noqa: F401 - fixtures

_ids = itertools.count(1)


@pytest.fixture
def graph(httpserver, settings):  # type: ignore[no-untyped-def]
    """WhatsApp Cloud API: every message accepted with a new id; ``graph.log`` holds what was sent."""
    from werkzeug import Response

    settings.META_GRAPH_BASE_URL = httpserver.url_for("").rstrip("/")

    def accept(_request):  # type: ignore[no-untyped-def]
        return Response(f'{{"messaging_product": "whatsapp", "messages": [{{"id": "wamid.AUTO{next(_ids)}"}}]}}',
                        content_type="application/json")

    httpserver.expect_request(re.compile(r"/\d+/messages"), method="POST").respond_with_handler(accept)
    return httpserver
