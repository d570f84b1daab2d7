"""Uploading the recording of a call made outside the CRM for a quality audit (issue 15, item 4).

A real small file of each accepted type (tests/quality/data/audio, see its README) goes through the upload
page: it becomes a call of source "upload" with its recording in storage, transcribed by the calls' own task
through a local fake OpenAI-compatible audio endpoint. A renamed program, a text file, a document, a cut-off
file, an empty one and one over the size limit are refused with a message that says why, and leave nothing
behind: no call, no file in MEDIA_ROOT.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import AuditEntry, Role
from ai.models import AIRequest
from calls.models import Call, CallRecording
from conftest import make_user
from core.errors import InvalidPhoneError, PermissionDeniedError
from quality.services.uploads import recording_check, recording_upload
from tests.calls.transcript_fakes import TRANSCRIPTIONS, verbose_json
from tests.conftest import celery_eager
from tests.core.s3_fakes import bucket_objects, moto, use_bucket  # noqa: F401 - moto: the S3 server fixture
from tests.leads.factories import ContactFactory

pytestmark = pytest.mark.django_db

AUDIO = Path(__file__).parent / "data" / "audio"
URL = "/quality/uploads/new/"
#: (fixture, kind, content type, stored extension, codec)
ACCEPTED = [
    ("tono.mp3", "mp3", "audio/mpeg", "mp3", "mp3"),
    ("tono.wav", "wav", "audio/wav", "wav", "pcm"),
    ("tono_opus.ogg", "ogg", "audio/ogg", "ogg", "opus"),
    ("tono_vorbis.ogg", "ogg", "audio/ogg", "ogg", "vorbis"),
    ("tono.m4a", "m4a", "audio/mp4", "m4a", "aac"),
    ("tono.mpeg", "mpeg", "audio/mpeg", "mpeg", "mp2"),
]
#: A program's first bytes: an x86-64 ELF header, then its zero padding.
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00\x3e\x00\x01\x00\x00\x00" + b"\x00" * 4072
#: A Windows program's: the MZ header pointing at its "PE" signature, then its padding.
PE = b"MZ\x90\x00" + b"\x00" * 56 + b"\x80\x00\x00\x00" + b"\x00" * 64 + b"PE\x00\x00\x64\x86" + b"\x00" * 4000


def audio(name: str) -> bytes:
    return (AUDIO / name).read_bytes()


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def stored_files(settings) -> list[Path]:  # type: ignore[no-untyped-def]
    root = Path(settings.MEDIA_ROOT)
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


@pytest.fixture
def audio_server(settings, httpserver):  # type: ignore[no-untyped-def]
    """A self-hosted Whisper-style server, as the calls' transcription tests use."""
    settings.AI_PROVIDER = "local"
    settings.OPENAI_BASE_URL = httpserver.url_for("/v1")
    settings.OPENAI_API_KEY = ""
    settings.OPENAI_TRANSCRIBE_MODEL = "whisper-1"
    settings.AI_TIMEOUT_SECONDS = 2.0
    return httpserver


@pytest.fixture
def analyst_client(client, supervisor):  # type: ignore[no-untyped-def]
    client.force_login(supervisor)
    return client


def form_data(agent, **extra):  # type: ignore[no-untyped-def]
    data = {"agent": agent.pk, "direction": Call.Direction.OUTBOUND,
            "started_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"), "contact_phone": "", "notes": ""}
    data.update(extra)
    return data


def post(client, data, capture):  # type: ignore[no-untyped-def]
    """Post the form as the browser does, with the tasks queued on commit run as the worker would."""
    with celery_eager(True), capture(execute=True):
        return client.post(URL, data, HTTP_ACCEPT_LANGUAGE="en")


# ---------------------------------------------------------------------------------------------
# Each accepted type, end to end
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("name", "kind", "content_type", "extension", "codec"), ACCEPTED)
def test_real_file_of_each_accepted_type_is_read_by_its_content(name, kind, content_type, extension, codec):
    info = recording_check(upload(name, audio(name)))
    assert (info.kind, info.content_type, info.extension, info.codec) == (kind, content_type, extension, codec)
    assert info.duration == pytest.approx(1.5, abs=0.1)


@pytest.mark.parametrize(("name", "kind", "content_type", "extension", "codec"), ACCEPTED)
def test_uploaded_recording_becomes_a_call_transcribed_by_the_calls_task(
    name, kind, content_type, extension, codec, analyst_client, supervisor, agent, audio_server, settings,
    django_capture_on_commit_callbacks,
):
    audio_server.expect_oneshot_request(TRANSCRIPTIONS, method="POST").respond_with_json(verbose_json([
        (0.0, 0.8, "Buenas tardes, le llamo de Conecta Perú."), (0.8, 1.5, "Sí, dígame."),
    ]))
    content = audio(name)
    response = post(analyst_client, form_data(agent, file=upload(name, content), notes="Llamada desde el celular"),
                    django_capture_on_commit_callbacks)

    call = Call.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("quality:audit_call", kwargs={"call_id": call.pk})
    with translation.override("en"):
        assert [str(m) for m in get_messages(response.wsgi_request)] == [
            "Recording uploaded. Its transcript is on its way: you can start the audit now, and the transcript "
            "appears when it is ready."]
    assert (call.source, call.status, call.agent, call.direction) == (
        Call.Source.UPLOAD, Call.Status.COMPLETED, agent, Call.Direction.OUTBOUND)
    assert call.duration == 2 and call.call_sid is None and call.notes == "Llamada desde el celular"
    assert call.ended_at - call.started_at == timezone.timedelta(seconds=2)

    recording = call.recordings.get()
    assert recording.recording_sid.startswith("upload-") and len(recording.recording_sid) == len("upload-") + 32
    assert (recording.state, recording.content_type, recording.size) == (
        CallRecording.State.STORED, content_type, len(content))
    assert recording.file.name.startswith("calls/recordings/")
    assert recording.file.name.endswith(f"{recording.recording_sid}-audio.{extension}")
    assert default_storage.exists(recording.file.name)
    with default_storage.open(recording.file.name, "rb") as stored:
        assert stored.read() == content
    assert (Path(settings.MEDIA_ROOT) / recording.file.name).is_file()

    # Transcribed by the very task the voice webhooks queue, from the stored file.
    audio_server.check_assertions()
    call.refresh_from_db()
    assert call.transcript_state == Call.TranscriptState.DONE
    assert call.transcript == "Buenas tardes, le llamo de Conecta Perú. Sí, dígame."
    request, _ = audio_server.log[-1]
    sent = request.files["file"]
    assert sent.read() == content
    assert sent.mimetype == content_type
    assert sent.filename.endswith(f".{extension}")
    assert AIRequest.objects.filter(purpose=AIRequest.Purpose.TRANSCRIPTION, subject=f"call:{call.pk}",
                                    outcome="ok").count() == 1
    # Who uploaded it is in the audit log.
    entry = AuditEntry.objects.get(object_pk=str(call.pk), content_type__model="call")
    assert entry.actor == supervisor


def test_recording_goes_into_the_bucket_when_s3_is_configured(analyst_client, agent, audio_server, settings, moto,  # noqa: F811
                                                              django_capture_on_commit_callbacks):
    """Distributed mode: the recording is written through django-storages into the S3 bucket (a real S3 API on
    this machine), nothing on the local disk, and the transcription task reads it back from the bucket."""
    bucket = use_bucket(settings, moto)
    audio_server.expect_oneshot_request(TRANSCRIPTIONS, method="POST").respond_with_json(verbose_json([
        (0.0, 1.5, "Aló, buenas tardes.")]))
    content = audio("tono_opus.ogg")
    response = post(analyst_client, form_data(agent, file=upload("llamada.ogg", content)),
                    django_capture_on_commit_callbacks)
    assert response.status_code == 302
    recording = CallRecording.objects.get()
    assert bucket_objects(moto, bucket) == {recording.file.name: content}
    assert stored_files(settings) == []
    call = recording.call
    call.refresh_from_db()
    assert call.transcript_state == Call.TranscriptState.DONE and call.transcript == "Aló, buenas tardes."
    request, _ = audio_server.log[-1]
    assert request.files["file"].read() == content


def test_refused_file_leaves_the_bucket_empty(analyst_client, agent, settings, moto,  # noqa: F811
                                              django_capture_on_commit_callbacks):
    bucket = use_bucket(settings, moto)
    response = post(analyst_client, form_data(agent, file=upload("grabacion.mp3", ELF)),
                    django_capture_on_commit_callbacks)
    assert response.status_code == 400
    assert bucket_objects(moto, bucket) == {} and not Call.objects.exists()


def test_large_upload_spooled_to_a_temporary_file_is_read_and_stored_the_same(analyst_client, agent, settings,
                                                                              django_capture_on_commit_callbacks):
    """Uploads over FILE_UPLOAD_MAX_MEMORY_SIZE reach the view as temporary files on disk, not in memory."""
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024
    content = audio("tono.m4a")
    response = post(analyst_client, form_data(agent, file=upload("llamada.m4a", content)),
                    django_capture_on_commit_callbacks)
    assert response.status_code == 302
    recording = CallRecording.objects.get()
    assert (recording.content_type, recording.size) == ("audio/mp4", len(content))
    with default_storage.open(recording.file.name, "rb") as stored:
        assert stored.read() == content


def test_file_whose_name_contradicts_its_content_is_kept_as_what_it_is(analyst_client, agent, settings,
                                                                       django_capture_on_commit_callbacks):
    """Decided: the content decides. A WAV named .mp3 is stored as a .wav of type audio/wav."""
    response = post(analyst_client, form_data(agent, file=upload("grabacion.mp3", audio("tono.wav"))),
                    django_capture_on_commit_callbacks)
    assert response.status_code == 302
    recording = CallRecording.objects.get()
    assert recording.content_type == "audio/wav" and recording.file.name.endswith("-audio.wav")


@pytest.mark.parametrize(("name", "fixture", "kind", "extension"), [
    ("llamada.mp3", "tono.mpeg", "mpeg", "mpga"),  # MPEG layer II under an .mp3 name: MPEG audio, kept as .mpga
    ("llamada.mpga", "tono.mp3", "mpeg", "mpga"),  # layer III under .mpga: the name the user gave is kept
    ("llamada.MPEG", "tono.mp3", "mpeg", "mpeg"),
    ("llamada.ogg", "tono.m4a", "m4a", "m4a"),
    ("llamada.m4a", "tono_opus.ogg", "ogg", "ogg"),
    ("llamada.wav", "tono.mp3", "mp3", "mp3"),
])
def test_content_decides_the_kind_whatever_accepted_name_the_file_has(name, fixture, kind, extension):
    info = recording_check(upload(name, audio(fixture)))
    assert (info.kind, info.extension) == (kind, extension)


def test_supervisor_without_agents_is_told_so(client, other_agent):
    lonely = make_user("supervisor_sin_equipo", Role.SUPERVISOR)
    client.force_login(lonely)
    response = client.get(URL, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "There is no agent in your teams whose calls you can upload." in response.content.decode()
    assert 'id="upload-form"' not in response.content.decode()


def test_customer_phone_links_the_call_to_the_contact_who_has_it(analyst_client, agent,
                                                                 django_capture_on_commit_callbacks):
    contact = ContactFactory(phone="+51987654321")
    post(analyst_client, form_data(agent, file=upload("tono.mp3", audio("tono.mp3")), contact_phone="987 654 321",
                                   direction=Call.Direction.INBOUND), django_capture_on_commit_callbacks)
    call = Call.objects.get()
    assert call.contact == contact
    assert (call.from_number, call.to_number, call.direction) == ("+51987654321", "", Call.Direction.INBOUND)


def test_a_phone_nobody_has_stays_on_the_call_without_making_a_customer(analyst_client, agent,
                                                                        django_capture_on_commit_callbacks):
    post(analyst_client, form_data(agent, file=upload("tono.mp3", audio("tono.mp3")), contact_phone="+51 940 111 222"),
         django_capture_on_commit_callbacks)
    call = Call.objects.get()
    assert call.contact is None and call.to_number == "+51940111222"


def test_admin_uploads_for_any_team(client, admin_user, other_agent, django_capture_on_commit_callbacks):
    client.force_login(admin_user)
    response = post(client, form_data(other_agent, file=upload("tono.m4a", audio("tono.m4a"))),
                    django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert Call.objects.get().agent == other_agent


def test_page_offers_only_the_agents_the_analyst_oversees(analyst_client, supervisor, agent, other_agent):
    response = analyst_client.get(URL, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    choices = [pk for pk, _label in response.context["form"].fields["agent"].choices if pk]
    assert [int(str(pk)) for pk in choices] == [agent.pk]
    html = response.content.decode()
    assert 'enctype="multipart/form-data"' in html and "up to 25 MB" in html
    assert "<script>" not in html.split('id="upload-form"')[1]  # CSP: no inline script


# ---------------------------------------------------------------------------------------------
# Refusals: a clear message, and nothing left behind
# ---------------------------------------------------------------------------------------------
def assert_refused(response, settings, message: str, *, field: str = "file") -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert message in " ".join(errors.get(field, [])), errors
    assert message in response.content.decode().replace("&#x27;", "'").replace("&quot;", '"')
    assert not Call.objects.exists() and not CallRecording.objects.exists()
    assert stored_files(settings) == []


NOT_AUDIO = "This file is not an audio recording we can read (mp3, wav, ogg, m4a or mpeg), whatever its name says."


@pytest.mark.parametrize(("name", "content"), [
    pytest.param("grabacion.mp3", ELF, id="elf-header-named-mp3"),
    pytest.param("grabacion.m4a", PE, id="windows-program-named-m4a"),
    pytest.param("grabacion.mp3", Path(sys.executable).resolve().read_bytes()[:512 * 1024], id="real-program"),
])
def test_renamed_program_is_refused(name, content, analyst_client, agent, settings, django_capture_on_commit_callbacks):
    response = post(analyst_client, form_data(agent, file=upload(name, content)), django_capture_on_commit_callbacks)
    assert_refused(response, settings, NOT_AUDIO)


def test_text_file_named_wav_is_refused(analyst_client, agent, settings, django_capture_on_commit_callbacks):
    text = "Hola, esta no es una grabación sino un texto.\n".encode() * 200
    response = post(analyst_client, form_data(agent, file=upload("llamada.wav", text)),
                    django_capture_on_commit_callbacks)
    assert_refused(response, settings, NOT_AUDIO)


def test_oversized_file_is_refused_with_the_limit_in_megabytes(analyst_client, agent, settings,
                                                               django_capture_on_commit_callbacks):
    settings.QUALITY_MAX_UPLOAD_BYTES = 10 * 1024  # the 24 KB WAV is over it
    response = post(analyst_client, form_data(agent, file=upload("tono.wav", audio("tono.wav"))),
                    django_capture_on_commit_callbacks)
    assert_refused(response, settings, "The file is too big (0.03 MB): the limit is 0.01 MB.")


def test_oversized_file_limit_reads_in_whole_megabytes_by_default(settings):
    settings.QUALITY_MAX_UPLOAD_BYTES = 25 * 1024 * 1024
    big = upload("larga.mp3", b"\x00" * (25 * 1024 * 1024 + 1))
    with translation.override("en"), pytest.raises(ValidationError) as error:
        recording_check(big)
    assert error.value.messages == ["The file is too big (25.1 MB): the limit is 25 MB."]
    assert error.value.code == "too_big"


def test_empty_file_is_refused(analyst_client, agent, settings, django_capture_on_commit_callbacks):
    response = post(analyst_client, form_data(agent, file=upload("vacia.mp3", b"")),
                    django_capture_on_commit_callbacks)
    assert_refused(response, settings, "The file is empty.")


def test_name_of_another_kind_is_refused(analyst_client, agent, settings, django_capture_on_commit_callbacks):
    response = post(analyst_client, form_data(agent, file=upload("tono.exe", audio("tono.mp3"))),
                    django_capture_on_commit_callbacks)
    assert_refused(response, settings, "Upload a call recording: mp3, wav, ogg, m4a or mpeg.")


@pytest.mark.parametrize(("name", "content", "code"), [
    pytest.param("documento.mp3", b"%PDF-1.4\n1 0 obj <</Type /Catalog>> endobj\n" + b"x" * 3000 + b"\n%%EOF",
                 "not_audio", id="pdf"),
    pytest.param("corta.wav", audio("tono.wav")[:44], "truncated", id="wav-header-only"),
    pytest.param("corta.wav", audio("tono.wav")[:10], "not_audio", id="wav-header-cut"),
    pytest.param("corta.mp3", audio("tono.mp3")[:200], "truncated", id="mp3-first-frame-only"),
    pytest.param("corta.mp3", audio("tono.mp3")[:3000], "truncated", id="mp3-cut-in-half"),
    pytest.param("corta.ogg", audio("tono_opus.ogg")[:2200], "damaged", id="opus-cut-in-half"),
    pytest.param("corta.ogg", audio("tono_vorbis.ogg")[:7800], "damaged", id="vorbis-cut-in-half"),
    pytest.param("corta.m4a", audio("tono.m4a")[:3600], "not_audio", id="m4a-cut-in-half"),
    pytest.param("corta.mpeg", audio("tono.mpeg")[:600], "damaged", id="mpeg-cut-short"),
])
def test_document_or_cut_off_recording_is_refused(name, content, code):
    with translation.override("en"), pytest.raises(ValidationError) as error:
        recording_check(upload(name, content))
    assert error.value.code == code
    assert error.value.messages[0].startswith(("This file is not an audio recording", "The recording is"))


def test_invalid_customer_phone_is_refused(analyst_client, agent, settings, django_capture_on_commit_callbacks):
    response = post(analyst_client, form_data(agent, file=upload("tono.mp3", audio("tono.mp3")), contact_phone="12ab"),
                    django_capture_on_commit_callbacks)
    assert_refused(response, settings, "“12ab” is not a valid phone number.", field="contact_phone")


def test_every_mistake_is_told_at_once(analyst_client, agent, settings, django_capture_on_commit_callbacks):
    response = post(analyst_client, form_data(agent, file=upload("grabacion.mp3", ELF), contact_phone="12ab"),
                    django_capture_on_commit_callbacks)
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert errors["file"] == [NOT_AUDIO] and errors["contact_phone"] == ["“12ab” is not a valid phone number."]
    assert not Call.objects.exists() and stored_files(settings) == []


def test_agent_outside_the_analysts_teams_is_refused(analyst_client, agent, other_agent, settings,
                                                     django_capture_on_commit_callbacks):
    response = post(analyst_client, form_data(other_agent, file=upload("tono.mp3", audio("tono.mp3"))),
                    django_capture_on_commit_callbacks)
    assert_refused(response, settings, "Select a valid choice.", field="agent")


def test_service_refuses_an_agent_the_analyst_does_not_oversee(supervisor, agent, other_agent, settings):
    with translation.override("en"), pytest.raises(PermissionDeniedError) as error:
        recording_upload(analyst=supervisor, agent=other_agent, file=upload("tono.mp3", audio("tono.mp3")),
                         direction=Call.Direction.OUTBOUND)
    assert error.value.code == "agent_not_overseen"
    assert error.value.message == "You can only upload calls of the agents you oversee."
    with pytest.raises(PermissionDeniedError):  # nor their own calls
        recording_upload(analyst=supervisor, agent=supervisor, file=upload("tono.mp3", audio("tono.mp3")),
                         direction=Call.Direction.OUTBOUND)
    assert not Call.objects.exists() and stored_files(settings) == []


def test_service_refuses_an_invalid_phone_before_storing_anything(supervisor, agent, settings):
    with pytest.raises(InvalidPhoneError):
        recording_upload(analyst=supervisor, agent=agent, file=upload("tono.mp3", audio("tono.mp3")),
                         direction=Call.Direction.OUTBOUND, contact_phone="no tengo")
    assert not Call.objects.exists() and stored_files(settings) == []


@pytest.mark.parametrize("persona", ["agent", "backoffice"])
def test_only_quality_analysts_may_upload(persona, request, client, agent, settings,
                                          django_capture_on_commit_callbacks):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    assert client.get(URL).status_code == 403
    response = post(client, form_data(agent, file=upload("tono.mp3", audio("tono.mp3"))),
                    django_capture_on_commit_callbacks)
    assert response.status_code == 403
    assert not Call.objects.exists() and stored_files(settings) == []
    with pytest.raises(PermissionDeniedError):
        recording_upload(analyst=user, agent=agent, file=upload("tono.mp3", audio("tono.mp3")),
                         direction=Call.Direction.OUTBOUND)


def test_anonymous_visitor_is_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and "login" in response["Location"]
