"""A call made outside the CRM, known from its recording uploaded for a quality audit.

The call is made as the voice webhooks leave an ended call with a stored recording: source "upload", completed,
its talk time the recording's length, the agent named by the uploader, the customer found by phone when one is
given; its recording (``recording_sid`` "upload-<hex>") in the default storage (local disk embedded, S3/MinIO
distributed) under ``recording_upload_to``; then the very transcription the voice webhooks queue
(``calls.services.transcripts.call_transcription_queue``), so the task reads the stored file and sends it to the
audio endpoint as it does a Twilio recording.

What the file is has been checked by the caller (``quality.services.uploads.recording_check``): this layer
trusts the content type, extension and length it is given.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any
from uuid import uuid4

from django.core.files.base import File
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.models import AuditKind, User
from calls.models import Call, CallRecording
from calls.services.transcripts import call_transcription_queue
from core.errors import ApplicationError
from core.phones import normalize_phone
from leads.models import CLOSED_STATUSES, Contact, Lead

logger = logging.getLogger(__name__)

UPLOAD_SID_PREFIX = "upload-"
MAX_NOTES = 2000


class CallUploadError(ApplicationError):
    code = "call_upload_invalid"


def _contact_for_phone(phone: str) -> Contact | None:
    """The contact with this phone (main or one of their other phones), as the inbound calls find them. A number
    nobody has is kept on the call only: an audit upload does not add customers to the CRM."""
    if not phone:
        return None
    contact = Contact.objects.filter(phone=phone).first()
    if contact is None and connection.features.supports_json_field_contains:
        contact = Contact.objects.filter(extra_phones__contains=[phone]).first()
    return contact


def _open_lead(contact: Contact | None) -> Lead | None:
    if contact is None:
        return None
    return (Lead.objects.filter(contact=contact).exclude(status__in=CLOSED_STATUSES)
            .order_by("-created_at", "-pk").first())


def call_create_from_upload(
    *, agent: User, uploaded_by: User, file: Any, content_type: str, extension: str, duration: float,
    direction: str, started_at: datetime | None = None, contact_phone: str = "", notes: str = "",
) -> Call:
    """The call behind an uploaded recording, with the recording stored and its transcription queued on commit.

    ``InvalidPhoneError`` for a ``contact_phone`` that is not a phone, ``CallUploadError`` for a direction that
    is neither; nothing is stored then. The file is written to storage before the rows (no transaction is held
    open while it is written) and deleted again if the rows cannot be made.
    """
    if direction not in Call.Direction.values:
        raise CallUploadError(_("Say whether the customer called or was called."), code="invalid_direction")
    phone = normalize_phone(contact_phone) if (contact_phone or "").strip() else ""
    seconds = max(1, round(duration))
    now = timezone.now()
    started = started_at or now - timedelta(seconds=seconds)
    sid = f"{UPLOAD_SID_PREFIX}{uuid4().hex}"

    recording = CallRecording(recording_sid=sid)
    storage = recording.file.storage
    name = recording.file.field.generate_filename(recording, f"audio.{extension}")
    content = file if isinstance(file, File) else File(file)
    content.seek(0)
    size = content.size
    stored_name = storage.save(name, content)
    try:
        with transaction.atomic():
            contact = _contact_for_phone(phone)
            call = Call.objects.create(
                source=Call.Source.UPLOAD, direction=direction, status=Call.Status.COMPLETED, agent=agent,
                contact=contact, lead=_open_lead(contact),
                from_number=phone if direction == Call.Direction.INBOUND else "",
                to_number=phone if direction == Call.Direction.OUTBOUND else "",
                started_at=started, answered_at=started, ended_at=started + timedelta(seconds=seconds),
                duration=seconds, notes=(notes or "").strip()[:MAX_NOTES],
            )
            recording = CallRecording.objects.create(
                call=call, recording_sid=sid, file=stored_name, content_type=content_type, size=size,
                duration=seconds, channels=1, state=CallRecording.State.STORED, stored_at=now, attempts=1,
            )
            audit_record(actor=uploaded_by, action=AuditKind.CREATE, obj=call,
                         data={"source": Call.Source.UPLOAD, "recording_id": recording.pk, "size": size,
                               "content_type": content_type, "agent_id": agent.pk})
            call_transcription_queue(call)  # marks it pending; the task is queued once this commits
    except BaseException:
        try:
            storage.delete(stored_name)
        except Exception:  # the rows' error is the one to tell; a leftover file is only logged
            logger.warning("uploaded recording %s left in storage after a failed upload", stored_name)
        raise
    logger.info("call %s: uploaded recording stored (%s, %s bytes)", call.pk, content_type, size)
    return call
