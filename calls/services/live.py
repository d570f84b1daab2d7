"""A call's changes, live in the panel, through the panel's socket (core.realtime).

Every change of a call that a person would notice (ringing, answered, ended, transcribed, analysed) is published
as one ``call.updated`` event to the people who may see it: the agent on the call, the supervisors of their team,
the admins and back office, and whoever has the call's conversation open.
"""

from __future__ import annotations

from typing import Any

from calls.models import Call
from core.realtime import EVERYTHING_GROUP, conversation_group, publish_on_commit, team_group, user_group


def call_live_data(call: Call) -> dict[str, Any]:
    """What the panel needs to draw a call's line: plain JSON, no customer data beyond the number's last digits."""
    number = call.counterpart_number
    return {
        "id": call.pk,
        "call_sid": call.call_sid or "",
        "direction": call.direction,
        "status": call.status,
        "status_label": str(call.get_status_display()),
        "is_final": call.is_final,
        "duration": call.duration,
        "number_tail": number[-4:] if number else "",
        "contact_id": call.contact_id,
        "conversation_id": call.conversation_id,
        "agent_id": call.agent_id,
        "transcript_state": call.transcript_state,
        "transcript_state_label": str(call.get_transcript_state_display()),
        "sentiment": call.sentiment,
        "outcome": call.outcome or call.ai_outcome,
        "script_adherence": call.script_adherence,
    }


def call_groups(call: Call) -> list[str]:
    groups = [EVERYTHING_GROUP]
    if call.agent_id:
        groups.append(user_group(call.agent_id))
        team_id = getattr(call.agent, "team_id", None)
        if team_id:
            groups.append(team_group(team_id))
    if call.conversation_id:
        groups.append(conversation_group(call.conversation_id))
    return groups


def call_publish(call: Call) -> None:
    """Tell the panel, once the current transaction commits, that ``call`` changed."""
    publish_on_commit(call_groups(call), "call.updated", call_live_data(call))
