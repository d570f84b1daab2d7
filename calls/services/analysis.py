"""A call's AI reading, made from its transcript once it is there (``ai.calls``), and what it changes: the call's
sentiment, outcome, next action and script adherence, and the lead's score and class, as a conversation's
messages change them (through ``leads.services``)."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ai.calls import CallAnalysis, CallTurn, Outcome, analyze_call
from calls.models import Call
from calls.scripts import script_for_call, script_steps, watch_words
from calls.services.live import call_publish
from core import events
from leads.models import CLOSED_STATUSES, Lead, SourceChannel
from leads.services import lead_apply_analysis, lead_assign_if_unassigned
from operators.models import Operator

logger = logging.getLogger(__name__)

#: Outcomes after which a contact without an open lead gets one.
LEAD_WORTHY = {Outcome.SALE, Outcome.INTERESTED, Outcome.CALLBACK}


def call_analysis_queue(call_id: int) -> None:
    """Enqueue the reading of ``call_id``'s transcript once the current transaction commits."""
    from calls.tasks_ai import call_analyze_task

    transaction.on_commit(lambda: call_analyze_task.delay(call_id))


def next_action_templates() -> dict[str, str]:
    """The next actions in the language of the CRM (``ai.calls.DEFAULT_TEMPLATES``' keys and placeholders)."""
    return {
        Outcome.SALE: _("Confirm the sale%(product)s: send the contract and arrange installation or delivery."),
        Outcome.INTERESTED: _("Send the offer%(product)s by WhatsApp and call again in 2 days."),
        Outcome.CALLBACK: _("Call again %(when)s%(product)s."),
        Outcome.NOT_INTERESTED: _("Record the reason and do not insist; offer another option in 30 days."),
        Outcome.SUPPORT: _("Open a support ticket and follow up the complaint."),
        Outcome.OTHER: _("Review the call and decide the next step."),
        "product": _(" of %(product)s"),
        "when_default": _("within 24 hours"),
        "competitor": _(" Mentioned %(competitor)s: prepare a comparison."),
        "cancellation": _(" Spoke of cancelling (“%(phrase)s”): confirm which service."),
    }


def call_turns(call: Call) -> list[CallTurn]:
    """The transcript's turns as ``ai.calls`` reads them (one turn of all the text when there are no segments)."""
    turns = []
    for segment in call.transcript_segments or []:
        if not isinstance(segment, dict) or not str(segment.get("text") or "").strip():
            continue
        turns.append(CallTurn(text=str(segment["text"]), speaker=str(segment.get("speaker") or ""),
                              start=float(segment.get("start") or 0)))
    if not turns and call.transcript.strip():
        turns.append(CallTurn(text=call.transcript))
    return turns


def _open_lead(call: Call) -> Lead | None:
    if call.lead_id and call.lead is not None and call.lead.status not in CLOSED_STATUSES:
        return call.lead
    if call.contact_id is None:
        return None
    return (Lead.objects.filter(contact_id=call.contact_id).exclude(status__in=CLOSED_STATUSES)
            .order_by("-created_at").first())


def _lead_apply(call: Call, reading: CallAnalysis) -> Lead | None:
    """Rescore the contact's open lead with what the customer said on the call (a new lead when the call
    shows interest and there is none), through ``leads.services`` as a conversation's message does."""
    if call.contact is None:
        return None
    lead = _open_lead(call)
    operator = Operator.objects.filter(slug=reading.entities.operator).first() if reading.entities.operator else None
    # message_id 0: the lead's reasons name a message; a call is not one (the call's own analysis says why).
    lead = lead_apply_analysis(
        contact=call.contact, lead=lead, analysis=reading.as_message_analysis(), text=reading.customer_text,
        message_id=0, source=SourceChannel.PHONE, create=reading.outcome in LEAD_WORTHY, operator=operator,
    )
    # An unassigned lead goes to the agent who spoke with the customer, as to whoever takes a conversation.
    if (lead is not None and lead.assignee_id is None and call.agent is not None
            and lead_assign_if_unassigned(actor=call.agent, lead_id=lead.pk, assignee=call.agent)):
        lead.assignee = call.agent
    return lead


def _analysis_json(reading: CallAnalysis, script: Any) -> dict[str, Any]:
    data = reading.as_dict()
    data["script"] = {"id": script.pk, "name": script.name} if script is not None else None
    data["analyzed_at"] = timezone.now().isoformat()
    return data


def call_analyze(*, call_id: int) -> str:
    """Read ``call_id``'s transcript and keep what it says ("analyzed"); "skipped" when there is no transcript
    or this transcript was already read. The reading (which may ask an LLM) happens outside any transaction."""
    call = Call.objects.select_related("lead", "contact", "script").filter(pk=call_id).first()
    if call is None or call.transcript_state != Call.TranscriptState.DONE:
        return "skipped"
    if call.analyzed_at and call.transcribed_at and call.analyzed_at >= call.transcribed_at:
        return "skipped"
    script = None if call.is_voicemail else script_for_call(call)  # nobody followed a script on a voicemail
    reading = analyze_call(call_turns(call), steps=script_steps(script), watch=watch_words(),
                           templates=next_action_templates(), subject=f"call:{call_id}")
    with transaction.atomic():
        call = Call.objects.select_for_update(of=("self",)).select_related("lead", "contact", "agent").get(pk=call_id)
        if call.analyzed_at and call.transcribed_at and call.analyzed_at >= call.transcribed_at:
            return "skipped"
        call.analysis = _analysis_json(reading, script)
        call.sentiment = reading.sentiment.value
        call.ai_outcome = reading.outcome
        call.next_action = reading.next_action[:200]
        call.script_adherence = reading.adherence
        call.analyzed_at = timezone.now()
        fields = ["analysis", "sentiment", "ai_outcome", "next_action", "script_adherence", "analyzed_at",
                  "updated_at"]
        if script is not None and call.script_id is None:
            call.script = script
            fields.append("script")
        lead = _lead_apply(call, reading)
        if lead is not None and call.lead_id != lead.pk:
            call.lead = lead
            fields.append("lead")
        call.save(update_fields=fields)
        events.emit("call.transcribed", call_id=call.pk)
        call_publish(call)
    logger.info("call %s analysed: outcome=%s provider=%s", call_id, reading.outcome, reading.provider)
    return "analyzed"
