"""Files attached to a ticket, accepted by what they contain (not by the name or the browser's word) and size."""

from __future__ import annotations

import codecs
import logging
import os
import secrets
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import File
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from tickets.models import Ticket, TicketAttachment, TicketComment, TicketEvent
from tickets.services.common import (
    AttachmentEmptyError,
    AttachmentSizeError,
    AttachmentTypeError,
    TicketInvalidError,
    clip,
    event_add,
)

logger = logging.getLogger(__name__)

HEAD_BYTES = 64 * 1024
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class FileKind:
    content_type: str
    extensions: tuple[str, ...]


PDF = FileKind("application/pdf", (".pdf",))
PNG = FileKind("image/png", (".png",))
JPEG = FileKind("image/jpeg", (".jpg", ".jpeg"))
GIF = FileKind("image/gif", (".gif",))
WEBP = FileKind("image/webp", (".webp",))
TEXT = FileKind("text/plain", (".txt", ".log"))
CSV = FileKind("text/csv", (".csv",))
WORD = FileKind(DOCX, (".docx",))
EXCEL = FileKind(XLSX, (".xlsx",))


def _read_head(upload: File) -> bytes:
    upload.seek(0)
    head = upload.read(HEAD_BYTES)
    upload.seek(0)
    return head


def _is_text(upload: File) -> bool:
    """UTF-8 (or plain ASCII) throughout, without NUL bytes."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    upload.seek(0)
    try:
        for chunk in upload.chunks() if hasattr(upload, "chunks") else iter(lambda: upload.read(HEAD_BYTES), b""):
            if b"\x00" in chunk:
                return False
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    finally:
        upload.seek(0)
    return True


def _office_kind(upload: File) -> FileKind | None:
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    finally:
        upload.seek(0)
    if "[Content_Types].xml" not in names:
        return None
    if "word/document.xml" in names:
        return WORD
    if "xl/workbook.xml" in names:
        return EXCEL
    return None


def sniff(upload: File, *, extension: str) -> FileKind | None:
    """What the file is by its first bytes (text and CSV: by extension once it reads as text)."""
    head = _read_head(upload)
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return GIF
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head.startswith(b"PK\x03\x04"):
        return _office_kind(upload)
    if extension in TEXT.extensions + CSV.extensions and _is_text(upload):
        return CSV if extension in CSV.extensions else TEXT
    return None


def _clean_name(name: str) -> str:
    base = os.path.basename(str(name or "").replace("\\", "/")).strip()
    base = "".join(ch for ch in base if ch.isprintable())
    return clip(base or "file", 200)


def ticket_attachment_add(*, actor: User, ticket: Ticket, upload: UploadedFile,
                          comment: TicketComment | None = None) -> TicketAttachment:
    """Store ``upload`` on the ticket. Refused: empty (``attachment_empty``), larger than
    ``TICKET_ATTACHMENT_MAX_BYTES`` (``attachment_size``), or not a PDF, image (PNG, JPEG, GIF, WEBP), text/CSV,
    DOCX or XLSX whose name matches its content (``attachment_type``).

    The file goes to storage before the row's transaction (storage may be S3: no network inside it) and is
    deleted again if the row cannot be written."""
    size = upload.size or 0
    if size <= 0:
        raise AttachmentEmptyError(_("The file is empty."))
    limit = settings.TICKET_ATTACHMENT_MAX_BYTES
    if size > limit:
        raise AttachmentSizeError(_("The file is too large (at most %(mb)s MB).") % {
            "mb": f"{limit / (1024 * 1024):.0f}"}, extra={"max_bytes": limit})
    name = _clean_name(upload.name)
    extension = os.path.splitext(name)[1].lower()
    kind = sniff(upload, extension=extension)
    if kind is None or extension not in kind.extensions:
        raise AttachmentTypeError(_("This type of file is not accepted: attach a PDF, an image (PNG, JPEG, GIF, "
                                    "WEBP), a text or CSV file, or a Word or Excel document."))
    if comment is not None and comment.ticket_id != ticket.pk:
        raise TicketInvalidError(_("That comment belongs to another ticket."), extra={"field": "comment"})
    field = TicketAttachment._meta.get_field("file")
    stored = field.generate_filename(None, f"{secrets.token_hex(12)}{extension}")
    upload.seek(0)
    stored = field.storage.save(stored, upload, max_length=field.max_length)
    try:
        with transaction.atomic():
            attachment = TicketAttachment.objects.create(
                ticket=ticket, comment=comment, file=stored, original_name=name, content_type=kind.content_type,
                size=size, uploaded_by=actor,
            )
            event_add(ticket=ticket, actor=actor, kind=TicketEvent.Kind.ATTACHED, field="file", new=name)
            Ticket.objects.filter(pk=ticket.pk).update(updated_at=timezone.now())
    except Exception:
        field.storage.delete(stored)
        raise
    return attachment
