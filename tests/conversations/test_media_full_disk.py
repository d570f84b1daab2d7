"""A full disk when a customer's file arrives: the message is kept, its media marked failed with the reason,
and the worker fetches it again later (conversations/services/inbound.py, ``MediaStoreError``).

The disk is full at the storage layer: a storage whose writes fail with ``ENOSPC``, as the operating
system answers ``write()`` on a full file system. The file comes from a local fake of Twilio's media URL.
"""

from __future__ import annotations

import errno

import pytest
from celery.exceptions import Retry
from django.core.files.storage import FileSystemStorage
from django.utils.translation import gettext

from conversations.models import Message, WebhookEvent
from conversations.services.inbound import MEDIA_STORE_FAILED
from conversations.tasks import process_webhook_event
from tests.conftest import celery_eager
from tests.conversations.conftest import twilio_params

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("ai_off")]

DISK: dict[str, int | None] = {"error": errno.ENOSPC}
MESSAGES = {errno.ENOSPC: "No space left on device", errno.EIO: "Input/output error"}


class FailingDiskStorage(FileSystemStorage):
    """Local media storage whose writes fail with ``DISK["error"]`` while it is set."""

    def _save(self, name, content):  # type: ignore[no-untyped-def]
        if DISK["error"]:
            raise OSError(DISK["error"], MESSAGES[DISK["error"]])
        return super()._save(name, content)


@pytest.fixture
def full_disk(settings):  # type: ignore[no-untyped-def]
    DISK["error"] = errno.ENOSPC
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": f"{__name__}.FailingDiskStorage"}}
    yield DISK
    DISK["error"] = errno.ENOSPC


@pytest.fixture
def twilio_media(httpserver, settings):  # type: ignore[no-untyped-def]
    settings.TWILIO_API_BASE_URL = httpserver.url_for("").rstrip("/")
    httpserver.expect_request("/Media/MEFULL").respond_with_data(b"\xff\xd8 a photo of the router",
                                                                 content_type="image/jpeg")
    return httpserver


def as_worker(event_id: int, retries: int = 0) -> str:
    """The inbound worker's run of the task (not eager: a failure it can retry is retried later)."""
    process_webhook_event.push_request(id=f"try-{retries}", retries=retries, is_eager=False, called_directly=False,
                                       args=[event_id])
    try:
        return process_webhook_event.run(event_id)
    finally:
        process_webhook_event.pop_request()


def test_full_disk_keeps_the_message_marks_its_media_failed_and_a_later_try_stores_it(
    post_twilio, twilio_media, full_disk
):
    response = post_twilio(twilio_params(NumMedia="1", MediaUrl0=twilio_media.url_for("/Media/MEFULL"),
                                         MediaContentType0="image/jpeg", Body="así está el router",
                                         MessageType="image"))
    assert response.status_code == 200
    event = WebhookEvent.objects.get()
    with celery_eager(False), pytest.raises(Retry) as retried:
        as_worker(event.pk)
    assert retried.value.when is not None  # tried again later, with backoff

    message = Message.objects.get()  # kept, with its text, for the agent to read
    assert message.text == "así está el router"
    assert (message.media_state, message.error_code) == (Message.MediaState.FAILED, MEDIA_STORE_FAILED)
    assert message.error_message == gettext(
        "There was no space left to keep the file; it will be downloaded again.")
    assert not message.media
    event.refresh_from_db()
    assert event.state == WebhookEvent.State.FAILED and "No space left" in event.last_error

    full_disk["error"] = None  # someone freed the disk
    with celery_eager(False):
        assert as_worker(event.pk, retries=1) == WebhookEvent.State.PROCESSED
    message.refresh_from_db()
    assert (message.media_state, message.error_code, message.error_message) == ("stored", "", "")
    assert message.media.read() == b"\xff\xd8 a photo of the router"
    assert Message.objects.count() == 1  # the retry did not make a second message
    event.refresh_from_db()
    assert event.state == WebhookEvent.State.PROCESSED


def test_another_storage_failure_gives_its_reason_and_is_retried_too(post_twilio, twilio_media, full_disk):
    full_disk["error"] = errno.EIO
    post_twilio(twilio_params(NumMedia="1", MediaUrl0=twilio_media.url_for("/Media/MEFULL"),
                              MediaContentType0="image/jpeg", MessageType="image"))
    event = WebhookEvent.objects.get()
    with celery_eager(False), pytest.raises(Retry):
        as_worker(event.pk)
    message = Message.objects.get()
    assert message.media_state == Message.MediaState.FAILED and message.error_code == MEDIA_STORE_FAILED
    assert message.error_message == gettext(
        "The file could not be kept (%(error)s); it will be downloaded again.") % {"error": "Input/output error"}


def test_embedded_mode_keeps_the_message_and_marks_the_media_failed(post_twilio, twilio_media, full_disk):
    post_twilio(twilio_params(NumMedia="1", MediaUrl0=twilio_media.url_for("/Media/MEFULL"),
                              MediaContentType0="image/jpeg", MessageType="image"))
    event = WebhookEvent.objects.get()
    with celery_eager(True):
        assert process_webhook_event.apply(args=[event.pk]).get() == "failed"  # no broker to hold a retry
    assert Message.objects.get().media_state == Message.MediaState.FAILED
    full_disk["error"] = None
    from django.core.management import call_command

    call_command("replay_webhooks", "--failed", "--no-progress")  # what the operator runs once the disk is freed
    assert Message.objects.get().media_state == Message.MediaState.STORED
