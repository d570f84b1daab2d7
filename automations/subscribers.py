"""What automations does when lower apps announce something (subscribed in ``AutomationsConfig.ready``): one
subscriber per trigger, each running that event's rules (``automations.engine``). None of them returns
``HANDLED``: a rule never keeps the AI, tickets or any later subscriber from a message."""

from __future__ import annotations

from automations.engine import event_rules_run
from core.events import Event


def _run(event: Event) -> int:
    """How many rules ran (or were held back) for ``event``."""
    return len(event_rules_run(event))


def message_received_run_rules(event: Event) -> int:
    return _run(event)


def conversation_created_run_rules(event: Event) -> int:
    return _run(event)


def conversation_escalated_run_rules(event: Event) -> int:
    return _run(event)


def conversation_resolved_run_rules(event: Event) -> int:
    return _run(event)


def lead_hot_run_rules(event: Event) -> int:
    return _run(event)


def quote_expired_run_rules(event: Event) -> int:
    return _run(event)


def sale_validated_run_rules(event: Event) -> int:
    return _run(event)
