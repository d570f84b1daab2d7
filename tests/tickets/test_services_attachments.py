"""Attachments are accepted by what they contain (not by their name or the browser's word) and by size."""

import io
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tickets.models import TicketAttachment, TicketEvent
from tickets.services import (
    AttachmentEmptyError,
    AttachmentSizeError,
    AttachmentTypeError,
    ticket_attachment_add,
    ticket_create,
)

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64


def office(member: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(member, "<x/>")
    return buffer.getvalue()


@pytest.fixture
def ticket(agent):
    return ticket_create(actor=agent, subject="Factura mal emitida", assignee=agent)


def upload(name: str, content: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.mark.parametrize(("name", "content", "content_type"), [
    ("factura.pdf", PDF, "application/pdf"),
    ("captura.PNG", PNG, "image/png"),
    ("foto.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 32, "image/jpeg"),
    ("consumos.csv", b"fecha;monto\n2026-03-01;89,90\n", "text/csv"),
    ("notas.txt", "Cliente indica corte a las 10:00 — sin señal".encode(), "text/plain"),
    ("contrato.docx", office("word/document.xml"),
     "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("detalle.xlsx", office("xl/workbook.xml"), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
])
def test_file_is_stored_with_its_real_type_when_content_matches_an_allowed_kind(agent, ticket, name, content,
                                                                                content_type):
    attachment = ticket_attachment_add(actor=agent, ticket=ticket, upload=upload(name, content, "text/html"))
    assert (attachment.original_name, attachment.content_type, attachment.size) == (name, content_type, len(content))
    assert attachment.file.read() == content
    assert name not in attachment.file.name  # stored under a random name
    assert ticket.events.filter(kind=TicketEvent.Kind.ATTACHED, new_value=name).exists()


@pytest.mark.parametrize(("name", "content"), [
    ("setup.exe", EXE),
    ("factura.pdf", EXE),  # a program named like a PDF
    ("factura.pdf", b"<html><script>alert(1)</script></html>"),  # not a PDF inside
    ("captura.pdf", PNG),  # an image named like a PDF
    ("notas.txt", EXE),  # binary content named like text
    ("script.sh", b"#!/bin/sh\nrm -rf /\n"),  # text, but not a kind we take
    ("paquete.docx", office("payload/evil.bin")),  # a zip that is no Word document
    ("sin_extension", PDF),
])
def test_file_is_refused_by_type_when_content_is_not_an_allowed_kind(agent, ticket, name, content):
    with pytest.raises(AttachmentTypeError) as caught:
        ticket_attachment_add(actor=agent, ticket=ticket, upload=upload(name, content, "application/pdf"))
    assert caught.value.code == "attachment_type"
    assert not TicketAttachment.objects.exists()
    assert not ticket.events.filter(kind=TicketEvent.Kind.ATTACHED).exists()


def test_file_is_refused_by_size_when_larger_than_the_limit(agent, ticket, settings):
    settings.TICKET_ATTACHMENT_MAX_BYTES = 1024
    with pytest.raises(AttachmentSizeError) as caught:
        ticket_attachment_add(actor=agent, ticket=ticket, upload=upload("grande.pdf", PDF + b"0" * 1024))
    assert caught.value.code == "attachment_size"
    assert not TicketAttachment.objects.exists()
    exact = ticket_attachment_add(actor=agent, ticket=ticket, upload=upload("justo.pdf", PDF.ljust(1024, b" ")))
    assert exact.size == 1024


def test_empty_file_is_refused_when_it_has_no_bytes(agent, ticket):
    with pytest.raises(AttachmentEmptyError):
        ticket_attachment_add(actor=agent, ticket=ticket, upload=upload("vacio.pdf", b""))


def test_stored_file_is_removed_when_the_row_cannot_be_written(agent, ticket, monkeypatch, settings):
    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(TicketAttachment.objects, "create", broken)
    with pytest.raises(RuntimeError):
        ticket_attachment_add(actor=agent, ticket=ticket, upload=upload("factura.pdf", PDF))
    assert [path for path in Path(settings.MEDIA_ROOT).rglob("*") if path.is_file()] == []
