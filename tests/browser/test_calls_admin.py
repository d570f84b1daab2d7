"""A supervisor opens the calls in the back office: the list with its badges and bars, then a call's page whose
recording plays in the browser's own player (through the permission-checked view), with the transcript's turns
and the AI reading. Screenshots in var/screenshots/calls-admin-*.png."""

from __future__ import annotations

import io
import math
import struct
import wave
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files.base import ContentFile
from django.utils import timezone

from accounts.models import Role, Team
from accounts.two_factor.services import totp_device_begin, totp_device_confirm
from accounts.two_factor.testing import totp_code
from calls.models import Call, CallRecording
from conftest import make_user
from tests.calls.backoffice_data import make_call
from tests.leads.factories import ContactFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(django_settings.BASE_DIR) / "var" / "screenshots"


def _tone_wav(seconds: float = 1.5) -> bytes:
    """A short 440 Hz tone, mono 8 kHz: a real file the browser can decode."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * n / 8000)))
                                 for n in range(int(8000 * seconds))))
    return buffer.getvalue()


def _sign_in(page, live_server, user) -> None:  # type: ignore[no-untyped-def]
    enabled = totp_device_confirm(user=user, token=totp_code(totp_device_begin(user=user)))
    page.goto(f"{live_server.url}/admin/")
    page.get_by_label("Usuario").fill(user.username)
    page.get_by_label("Contraseña").fill("pass-for-tests-123")
    page.get_by_role("button", name="Iniciar sesión").click()
    page.wait_for_url(f"{live_server.url}/accounts/two-factor/verify/")
    page.get_by_label("Código").fill(totp_code(enabled.device))
    page.get_by_role("button", name="Verificar").click()
    page.wait_for_url(f"{live_server.url}/admin/")


def test_a_supervisor_plays_a_recording_and_reads_the_call_in_admin(live_server, page, settings):
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
    team, north = Team.objects.create(name="Equipo Lima"), Team.objects.create(name="Equipo Norte")
    sofia = make_user("sofia", Role.SUPERVISOR, team)
    team.supervisor = sofia
    team.save()
    lucia, pedro = make_user("lucia", Role.AGENT, team), make_user("pedro", Role.AGENT, north)
    call = make_call(
        agent=lucia, contact=ContactFactory(name="Rosa Quispe"), duration=214, outcome=Call.Outcome.INTERESTED,
        sentiment=Call.Sentiment.POSITIVE, script_adherence=83, transcript_state=Call.TranscriptState.DONE,
        transcript="Buenos días, le habla Lucía. Quiero portarme desde Virgin.",
        transcript_segments=[
            {"speaker": "agent", "start": 0, "end": 6, "text": "Buenos días, le habla Lucía de TelcoShop."},
            {"speaker": "customer", "start": 6.5, "end": 12, "text": "Tengo Virgin y estoy pensando en portarme."}],
        analysis={"sentiment": "positive", "intents": [{"intent": "price_query", "count": 2}],
                  "keywords": [{"phrase": "Virgin", "kind": "competitor", "count": 1, "source": "watch", "step": ""},
                               {"phrase": "portarme", "kind": "cancellation", "count": 1, "source": "watch",
                                "step": ""}],
                  "outcome": "interested", "next_action": "Enviar cotización por WhatsApp", "script_adherence": 83,
                  "steps": [{"key": "1", "title": "Saludo", "kind": "opening", "required": True, "covered": True,
                             "cue": "le habla", "scored": True},
                            {"key": "2", "title": "Cierre", "kind": "closing", "required": True, "covered": False,
                             "cue": "", "scored": True}]})
    recording = CallRecording(call=call, recording_sid="RE" + "a" * 32, state=CallRecording.State.STORED,
                              content_type="audio/wav", duration=2, stored_at=timezone.now())
    recording.file.save("tono.wav", ContentFile(_tone_wav()), save=False)
    recording.size = recording.file.size
    recording.save()
    make_call(agent=None, is_voicemail=True, contact=ContactFactory(name="Buzón Sin Dueño"))
    make_call(agent=pedro, contact=ContactFactory(name="Otro Equipo"), direction=Call.Direction.OUTBOUND)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    page.set_viewport_size({"width": 1440, "height": 900})
    _sign_in(page, live_server, sofia)
    page.goto(f"{live_server.url}/admin/calls/call/")
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 2  # her team's call and the voicemail nobody holds; never the other team's
    listing = page.locator("#result_list").inner_text()
    assert "Rosa Quispe" in listing and "Buzón Sin Dueño" in listing and "Otro Equipo" not in listing
    assert "3:34" in listing
    page.screenshot(path=str(SCREENSHOTS / "calls-admin-list.png"), full_page=True)

    page.goto(f"{live_server.url}/admin/calls/call/{call.pk}/change/")
    audio = page.locator("audio[controls]")
    assert audio.count() == 1
    page.wait_for_function("document.querySelector('audio').readyState >= 1 || true")
    duration = page.evaluate("""() => new Promise((resolve) => {
        const audio = document.querySelector('audio');
        audio.preload = 'metadata';
        audio.addEventListener('loadedmetadata', () => resolve(audio.duration), {once: true});
        audio.addEventListener('error', () => resolve(-1), {once: true});
        audio.load();
    })""")
    assert 1.0 < duration < 2.0  # the browser fetched and decoded the recording through the playback view
    body = page.locator("#content").inner_text()
    assert "Tengo Virgin y estoy pensando en portarme." in body and "Enviar cotización por WhatsApp" in body
    assert "✓ Saludo" in body and "✗ Cierre" in body
    page.screenshot(path=str(SCREENSHOTS / "calls-admin-call.png"), full_page=True)
