"""What routing does when events happen (subscribed in ``RoutingConfig.ready``, order 40: after the replies
and hand-overs of the inbound step, before tickets and the automation rules, which then see the assignee)."""

from __future__ import annotations

from conversations.models import Conversation
from core.events import Event
from leads.models import Lead
from routing.services import Reason, conversation_route_if_policy, lead_open_conversation_id


def lead_hot_route(event: Event) -> int | None:
    """A lead gone HOT: its open conversation goes at once, at high priority, to an agent who can answer (left
    alone when one holds it). The assignee's id."""
    if not Lead.objects.filter(pk=event["lead_id"]).exists():
        return None
    conversation_id = lead_open_conversation_id(lead_id=event["lead_id"])
    if conversation_id is None:
        return None
    assignee = conversation_route_if_policy(conversation_id=conversation_id, reason=Reason.HOT,
                                            priority=Conversation.Priority.HIGH)
    return assignee.pk if assignee is not None else None


def conversation_escalated_route(event: Event) -> int | None:
    """A conversation handed to a person (by the AI, or a failed send): routed at once, at high priority."""
    assignee = conversation_route_if_policy(conversation_id=event["conversation_id"], reason=Reason.ESCALATED,
                                            priority=Conversation.Priority.HIGH)
    return assignee.pk if assignee is not None else None


def conversation_created_route(event: Event) -> int | None:
    """A new conversation, routed when its policy assigns every new conversation."""
    assignee = conversation_route_if_policy(conversation_id=event["conversation_id"], reason=Reason.NEW,
                                            new_conversation=True)
    return assignee.pk if assignee is not None else None
