"""An audit through the browser (issue 15, "Must show"): a supervisor opens a conversation's call with a transcript
and a recording, clicks "Audit", starts it with the call matrix; the AI's proposals (the real local pre-scoring
from the criteria's evidence words) show with their quoted lines; a timestamp plays the recording from there and a
quote jumps to its line; the supervisor changes one answer (a "differs from the AI" badge shows), saves, sends;
the agent signs in, finds it highlighted in "My evaluations", opens it and acknowledges it.
Screenshots in var/screenshots/quality_*.png."""

from __future__ import annotations

import io
import math
import struct
import time
import wave
from decimal import Decimal
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
from quality.models import Audit
from quality.services.audits import AnswerInput, audit_save, audit_start, audit_submit
from tests.calls.backoffice_data import make_call
from tests.quality.factories import make_conversation, make_matrix

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(django_settings.BASE_DIR) / "var" / "screenshots"
SEGMENTS = [
    {"speaker": "agent", "start": 0.0, "end": 4.0, "text": "Buenos días, mi nombre es Lucía de Conecta Perú."},
    {"speaker": "agent", "start": 4.0, "end": 8.0, "text": "Le comento que esta llamada será grabada por calidad."},
    {"speaker": "customer", "start": 8.0, "end": 11.0, "text": "Sí, claro. Quería saber del internet para mi casa."},
    {"speaker": "agent", "start": 11.0, "end": 14.0, "text": "Con gusto. ¿En qué le puedo ayudar exactamente?"},
    {"speaker": "customer", "start": 14.0, "end": 18.0, "text": "El plan de 200 megas, ¿cuánto sale al mes?"},
    {"speaker": "agent", "start": 18.0, "end": 24.0,
     "text": "Son 89 soles. Gracias por su interés, le llamo mañana para agendar la instalación."},
]


def _tone_wav(seconds: float = 26.0) -> bytes:
    """A quiet 440 Hz tone, mono 8 kHz: a real file the browser decodes and seeks in."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"".join(struct.pack("<h", int(2000 * math.sin(2 * math.pi * 440 * n / 8000)))
                                 for n in range(int(8000 * seconds))))
    return buffer.getvalue()


def _wait_until(condition, seconds: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    """Poll from Python: the page's CSP forbids the eval that Playwright's wait_for_function needs."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.1)


def _shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")  # the transcript card sticks to the viewport: shoot from the top
    page.screenshot(path=str(SCREENSHOTS / f"quality_{name}.png"), full_page=True)


def _sign_in(page, base: str, username: str, target: str, device=None) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}{target}")
    page.get_by_label("Usuario").fill(username)
    page.get_by_label("Contraseña").fill("pass-for-tests-123")
    page.get_by_role("button", name="Iniciar sesión").click()
    if device is not None:
        page.wait_for_url("**/accounts/two-factor/verify/**")
        page.get_by_label("Código").fill(totp_code(device))
        page.get_by_role("button", name="Verificar").click()
    page.wait_for_url(f"{base}{target}")


def _world():  # type: ignore[no-untyped-def]
    team = Team.objects.create(name="Equipo Lima")
    sofia = make_user("sofia", Role.SUPERVISOR, team)
    team.supervisor = sofia
    team.save()
    lucia = make_user("lucia", Role.AGENT, team)
    conversation = make_conversation(assignee=lucia, messages=[("customer", "Hola, ¿me pueden llamar?")])
    call = make_call(agent=lucia, contact=conversation.contact, conversation=conversation, duration=24,
                     transcript_state=Call.TranscriptState.DONE, transcript=" ".join(s["text"] for s in SEGMENTS),
                     transcript_segments=SEGMENTS)
    recording = CallRecording(call=call, recording_sid="RE" + "b" * 32, state=CallRecording.State.STORED,
                              content_type="audio/wav", duration=26, stored_at=timezone.now())
    recording.file.save("llamada.wav", ContentFile(_tone_wav()), save=False)
    recording.size = recording.file.size
    recording.save()
    make_matrix(code="ventas-llamadas", name="Ventas por teléfono", channel="call")
    device = totp_device_confirm(user=sofia, token=totp_code(totp_device_begin(user=sofia))).device
    return sofia, lucia, conversation, call, device


def test_a_supervisor_audits_a_call_with_the_ais_proposals_and_the_agent_acknowledges(live_server, browser, settings):
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
    base = live_server.url
    sofia, lucia, conversation, call, device = _world()

    context = browser.new_context(locale="es-PE", viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(15_000)
    # The supervisor opens the conversation; the call's line in the sidebar has an "Audit" button.
    _sign_in(page, base, "sofia", f"/panel/c/{conversation.pk}/", device)
    button = page.locator(f"#audit-call-{call.pk}")
    button.scroll_into_view_if_needed()
    assert page.locator("#audit-conversation").is_visible()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.locator("#calls-card").screenshot(path=str(SCREENSHOTS / "quality_0_panel_call_entry.png"))
    button.click()
    page.wait_for_url(f"{base}/quality/calls/{call.pk}/audit/")
    assert page.locator("#id_matrix option:checked").inner_text().startswith("Ventas por teléfono")
    _shot(page, "1_start")
    page.locator("#audit-start-button").click()
    page.wait_for_url(f"{base}/quality/audits/*/")
    audit = Audit.objects.get()
    assert (audit.agent, audit.analyst, audit.status) == (lucia, sofia, Audit.Status.DRAFT)

    # The AI's proposals with their quoted lines, pre-filled as the analyst's answers.
    assert audit.ai_provider
    recording_notice = page.locator(".criterion", has_text="Informa que la llamada es grabada")
    assert recording_notice.locator(".ai-evidence").inner_text().startswith("“Le comento que esta llamada será grabada")
    assert recording_notice.locator("input[value='yes']").is_checked()
    assert page.locator(".ai-proposal").count() >= 5
    assert page.locator("#transcript .transcript-line").count() == 6

    # A quote jumps to its line; a timestamp plays the recording from there.
    recording_notice.locator(".ai-evidence").click()
    page.wait_for_selector("#line-1.is-focused")
    page.locator("#line-4 [data-seek]").click()
    page.wait_for_selector("#line-4.is-focused")
    # The recording plays from the quoted line's second: the recording's URL answers byte ranges, so it seeks.
    _wait_until(lambda: page.evaluate("document.getElementById('audit-audio').currentTime") >= 14)
    page.evaluate("document.getElementById('audit-audio').pause()")
    _shot(page, "2_ai_proposals")

    # The analyst changes one answer: the tone was good, not excellent.
    tone = page.locator(".criterion", has_text="Tono y amabilidad")
    ai_tone = tone.get_attribute("data-ai-answer")
    assert ai_tone == "5"
    assert tone.locator(".criterion-differs").is_hidden()
    tone.locator("label[for$='-4']").click()
    assert tone.locator(".criterion-differs").is_visible()
    tone.locator(".criterion-comment").fill("Amable, pero interrumpe al cliente una vez.")
    for item in page.locator(".criterion").all():  # anything the AI left open is answered by the analyst
        if not item.locator(".answer-input:checked").count():
            item.locator(".answer-input").first.check(force=True)
    page.locator("#feedback").fill("Buen saludo y cierre. Deja terminar al cliente antes de responder.")
    page.locator("#save-draft").click()
    page.wait_for_selector(".alert-success")
    audit.refresh_from_db()
    row = audit.scores.get(criterion__text="Tono y amabilidad")
    assert (row.answer, row.ai_answer) == ("4", "5")
    assert audit.score is not None and audit.score < Decimal("100")
    assert audit.ai_agreement is not None and audit.ai_agreement < Decimal("100")
    assert page.locator(".criterion", has_text="Tono y amabilidad").locator(".criterion-differs").is_visible()
    _shot(page, "3_saved")

    page.locator("#send-to-agent").click()
    page.wait_for_selector("#audit-header[data-status='submitted']")
    audit.refresh_from_db()
    assert audit.status == Audit.Status.SUBMITTED
    page.goto(f"{base}/quality/audits/")
    assert page.locator(f"tr[data-audit='{audit.pk}'][data-status='submitted']").is_visible()
    _shot(page, "3b_analyst_list")
    context.close()

    # The agent finds it in "My evaluations", highlighted, and acknowledges it.
    context = browser.new_context(locale="es-PE", viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(15_000)
    _sign_in(page, base, "lucia", "/quality/audits/")
    assert page.locator("#audits-pending").is_visible()
    assert page.locator(f"tr.audit-pending[data-audit='{audit.pk}']").is_visible()
    _shot(page, "4_my_evaluations")
    page.locator(f"tr[data-audit='{audit.pk}'] a").click()
    page.wait_for_url(f"{base}/quality/audits/{audit.pk}/")
    assert page.locator(".answer-input").count() == 0  # read-only for the agent
    assert "Deja terminar al cliente" in page.locator("#feedback-text").inner_text()
    assert "interrumpe al cliente" in page.locator(".criterion", has_text="Tono y amabilidad").inner_text()
    _shot(page, "5_agent_view")
    page.locator("#ack-comment").fill("Gracias, lo tendré en cuenta.")
    page.locator("#acknowledge-button").click()
    page.wait_for_selector("#audit-acknowledged")
    audit.refresh_from_db()
    assert (audit.status, audit.agent_comment) == (Audit.Status.ACKNOWLEDGED, "Gracias, lo tendré en cuenta.")
    _shot(page, "6_acknowledged")
    context.close()


def test_the_agent_disputes_and_the_supervisor_amends_the_audit(live_server, browser, settings):
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
    base = live_server.url
    sofia, lucia, _conversation, call, device = _world()
    audit = audit_start(analyst=sofia, call=call)  # the AI's pre-scoring fills every answer it can
    rows = {row.criterion.text: row for row in audit.scores.select_related("criterion")}
    answers = [AnswerInput(criterion_id=row.criterion_id, answer=row.answer or "na", evidence=row.evidence,
                           evidence_at=row.evidence_at) for row in rows.values()]
    answers = [a if a.criterion_id != rows["Ofrece el siguiente paso"].criterion_id
               else AnswerInput(criterion_id=a.criterion_id, answer="no", comment="No agenda la instalación.")
               for a in answers]
    audit_save(audit, by=sofia, answers=answers, feedback="Cierra con una fecha concreta.")
    audit = audit_submit(audit, by=sofia)
    assert audit.score == Decimal("77.78")  # 7 of 9 points: below the passing 80

    context = browser.new_context(locale="es-PE", viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(15_000)
    _sign_in(page, base, "lucia", f"/quality/audits/{audit.pk}/")
    page.locator("#dispute-button").click()  # no reason: the browser asks for one
    assert Audit.objects.get(pk=audit.pk).status == Audit.Status.SUBMITTED
    page.locator("#dispute-reason").fill("Al final dije «le llamo mañana para agendar la instalación» (0:18).")
    page.locator("#dispute-button").click()
    page.wait_for_selector("#audit-header[data-status='disputed']")
    context.close()

    context = browser.new_context(locale="es-PE", viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(15_000)
    _sign_in(page, base, "sofia", f"/quality/audits/{audit.pk}/", device)
    assert "le llamo mañana" in page.locator("#audit-dispute").inner_text()
    step = page.locator(".criterion", has_text="Ofrece el siguiente paso")
    assert step.locator(".criterion-differs").is_visible()
    step.locator("label[for$='-yes']").click()
    page.locator("#resolution-amended").check()
    page.locator("#resolve-note").fill("Revisé la grabación: sí ofreció el siguiente paso.")
    _shot(page, "7_dispute_resolving")
    page.locator("#resolve-button").click()
    page.wait_for_selector("#audit-header[data-status='resolved']")
    audit.refresh_from_db()
    assert (audit.status, audit.resolution, audit.resolved_by) == (Audit.Status.RESOLVED, "amended", sofia)
    assert audit.score == Decimal("100.00")
    assert "sí ofreció" in page.locator("#audit-resolution").inner_text()
    _shot(page, "8_resolved")
    context.close()
