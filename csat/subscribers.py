"""What csat does when events happen (subscribed in ``CsatConfig.ready``)."""

from __future__ import annotations

from typing import Any

from core import events
from csat.services import csat_answer_from_message, csat_rating_opened, csat_survey_ask


def conversation_resolved_ask_rating(event: events.Event) -> int | None:
    """A resolved conversation's customer is asked for a 1-5 rating, once per resolution. The survey's id."""
    survey = csat_survey_ask(conversation_id=event["conversation_id"])
    return survey.pk if survey is not None else None


def message_received_store_rating(event: events.Event) -> Any:
    """A customer's answer to the survey ("4", a tap on "4 ⭐ Buena") is stored and thanked here: the AI step
    must not answer it too, so the event is handled."""
    survey = csat_answer_from_message(message_id=event["message_id"], said=(event["text"], event["interactive_id"]))
    return events.HANDLED if survey is not None else None


def conversation_created_rating_reply(event: events.Event) -> Any:
    """A conversation opened only by the customer's rating of the previous one is nobody's work: handled here, so
    the routing and the rules (skip_if_handled) leave it; the rating itself is stored on ``message.received``."""
    return events.HANDLED if csat_rating_opened(conversation_id=event["conversation_id"]) else None
