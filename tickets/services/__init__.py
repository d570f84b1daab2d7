"""Writes for tickets, one module per concern.

- ``ticket_create`` / ``ticket_update`` (tickets.py): opening, every change with a history row, the state rules.
- ``ticket_assign`` and the round robin (assignment.py): a locked ``AssignmentCursor`` row per pool.
- ``tickets_check_sla`` (sla.py): warnings and breach marks with conditional updates, safe to run twice.
- ``ticket_comment_add`` / ``ticket_customer_reply_add`` (comments.py), ``ticket_attachment_add`` (attachments.py).
- ``ticket_from_escalation`` (escalation.py): the AI's complaint handover, once per open conversation.
"""

from tickets.services.assignment import assignee_next, pool_members, ticket_assign
from tickets.services.attachments import ticket_attachment_add
from tickets.services.comments import ticket_comment_add, ticket_customer_reply_add
from tickets.services.common import (
    AttachmentEmptyError,
    AttachmentSizeError,
    AttachmentTypeError,
    TicketAssigneeError,
    TicketCloseNotAllowedError,
    TicketInvalidError,
    TicketNoConversationError,
    TicketStateError,
    ticket_url,
)
from tickets.services.escalation import COMPLAINT_REASONS, ticket_from_escalation
from tickets.services.sla import SlaRunResult, sla_due_times, sla_terms, tickets_check_sla, with_sla_warning_percent
from tickets.services.tickets import EDITABLE, TRANSITIONS, ticket_create, ticket_update

__all__ = [
    "COMPLAINT_REASONS", "EDITABLE", "TRANSITIONS", "AttachmentEmptyError", "AttachmentSizeError",
    "AttachmentTypeError", "SlaRunResult", "TicketAssigneeError", "TicketCloseNotAllowedError", "TicketInvalidError",
    "TicketNoConversationError", "TicketStateError", "assignee_next", "pool_members", "sla_due_times", "sla_terms",
    "ticket_assign", "ticket_attachment_add", "ticket_comment_add", "ticket_create", "ticket_customer_reply_add",
    "ticket_from_escalation", "ticket_update", "ticket_url", "tickets_check_sla", "with_sla_warning_percent",
]
