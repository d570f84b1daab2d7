"""Media on the local disk is served by the app, with DEBUG off too, to whoever may see its conversation."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.test import Client

from tests.panel.conftest import add_message

pytestmark = pytest.mark.django_db

JPEG = b"\xff\xd8\xff\xe0" + b"0" * 64


@pytest.fixture(autouse=True)
def production_like(settings):  # type: ignore[no-untyped-def]
    settings.DEBUG = False


def _with_media(conversation, name: str, content: bytes, **fields):  # type: ignore[no-untyped-def]
    message = add_message(conversation, type=fields.pop("type", "image"), **fields)
    message.media.save(name, ContentFile(content))
    return message


def test_an_agent_sees_the_photo_a_customer_sent_in_their_conversation(client, agent, make_conversation):
    message = _with_media(make_conversation(assignee=agent), "foto.jpg", JPEG)
    client.force_login(agent)
    response = client.get(message.media.url)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content) == JPEG
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "attachment" not in response.get("Content-Disposition", "")


def test_another_teams_agent_gets_404_and_an_anonymous_visitor_the_login(client, agent, other_agent,
                                                                         make_conversation):
    message = _with_media(make_conversation(assignee=agent), "foto.jpg", JPEG)
    client.force_login(other_agent)
    assert client.get(message.media.url).status_code == 404
    anonymous = Client().get(message.media.url)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]


def test_an_uploaded_html_file_downloads_instead_of_running_on_our_origin(client, agent, make_conversation):
    message = _with_media(make_conversation(assignee=agent), "factura.html", b"<script>alert(1)</script>",
                          type="document")
    client.force_login(agent)
    response = client.get(message.media.url)
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("path", ["/media/../config/settings.py", "/media/messages/../../var/secret_key",
                                  "/media/messages/%2e%2e/%2e%2e/manage.py", "/media/messages/no-such-file.jpg"])
def test_paths_outside_the_media_or_of_unknown_files_are_404(client, admin_user, path):
    client.force_login(admin_user)
    assert client.get(path).status_code == 404


def test_a_voice_note_is_served_by_byte_range_so_the_player_can_seek(client, agent, make_conversation):
    audio = bytes(range(256)) * 8
    message = _with_media(make_conversation(assignee=agent), "nota.ogg", audio, type="audio")
    client.force_login(agent)
    response = client.get(message.media.url, headers={"Range": "bytes=1000-1099"})
    assert response.status_code == 206
    assert b"".join(response.streaming_content) == audio[1000:1100]
    assert response["Content-Range"] == f"bytes 1000-1099/{len(audio)}"
    assert response["X-Content-Type-Options"] == "nosniff"
    whole = client.get(message.media.url)
    assert whole.status_code == 200 and whole["Accept-Ranges"] == "bytes"
