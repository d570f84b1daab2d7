"""Which script a call follows, and scripts and the watch list as the ``ai`` library reads them."""

from __future__ import annotations

from ai.calls import ScriptStep, WatchWord
from calls.models import Call, CallScript, CallScriptStep, WatchKeyword


def script_for_call(call: Call) -> CallScript | None:
    """The call's own script; else an active script for the lead's kind of product (its service type); else none."""
    if call.script_id:
        return call.script
    lead = call.lead
    if lead is not None and lead.service_type:
        return (CallScript.objects.filter(is_active=True, category=lead.service_type)
                .order_by("name", "pk").first())
    return None


def script_steps(script: CallScript | None) -> list[ScriptStep]:
    if script is None:
        return []
    rows = CallScriptStep.objects.filter(script=script).order_by("position", "pk")
    return [ScriptStep(key=str(step.pk), title=step.title, kind=step.kind, cues=tuple(step.cue_list),
                       required=step.required, text=step.text) for step in rows]


def watch_words() -> list[WatchWord]:
    return [WatchWord(phrase=row.phrase, kind=row.kind)
            for row in WatchKeyword.objects.filter(is_active=True).order_by("kind", "phrase")]
