"""Reactions of service levels to other apps' events (registered in ``SlaConfig.ready``)."""

from __future__ import annotations

from typing import Any

from core.events import HANDLED, Event
from sla.services import out_of_office_answer


def message_received_out_of_office(event: Event) -> Any:
    """Outside business hours, the out-of-office answer (once per conversation and day). Returns nothing, so
    the AI step still answers, unless the team keeps the AI quiet out of hours (then ``HANDLED``)."""
    result = out_of_office_answer(message_id=event["message_id"])
    if result.out_of_hours and not result.ai_answers:
        return HANDLED
    return None
