"""One customer turn, read and answered the same way for the AI step and for the agent's suggestion.

``turn_read`` gathers the turn (the message and its burst), the turns before it, the analysis and the
catalog hits; ``turn_compose`` hands them with what the CRM knows of the customer to the pure
``ai.replies.compose_reply``; ``reply_write`` words the reply (a generating provider, or the template).
"""

from __future__ import annotations

from dataclasses import dataclass

from ai.replies import ComposedReply, compose_reply
from ai.services import analyze_text, write_reply
from ai.types import Analysis, CatalogItem, LeadState, Turn
from conversations.models import Conversation, Message
from conversations.services.assistant.bursts import burst_text, history_and_burst
from conversations.services.assistant.catalog import active_catalog, turn_hits, with_earlier_products
from conversations.services.assistant.knowledge import active_knowledge
from conversations.services.assistant.options import with_chosen_option
from leads.models import Contact, CustomerType, Lead
from leads.services import is_real_name


@dataclass(frozen=True)
class CustomerTurn:
    text: str  # the burst's lines and the message's, one a line
    history: list[Turn]  # the turns before the burst
    burst: list[tuple[int, str]]  # (pk, text) of the earlier unanswered lines, oldest first
    analysis: Analysis
    hits: list[CatalogItem]
    catalog: list[CatalogItem]  # the catalog the turn was read against (the reply's options come from it too)


def turn_read(*, conversation: Conversation, message: Message, subject: str) -> CustomerTurn:
    """Read the customer's turn that ends with ``message`` (``subject`` names it in the AI log)."""
    history, burst = history_and_burst(conversation, message.pk)
    text = burst_text(message, burst)
    catalog = active_catalog()
    analysis = analyze_text(text, history=history, catalog=catalog,
                            context={"catalog": [i.name for i in catalog][:200]}, subject=subject)
    analysis = with_earlier_products(analysis, conversation, message.pk, catalog, text)
    analysis = with_chosen_option(analysis, message, catalog)  # a tap on our buttons or list means its option
    return CustomerTurn(text=text, history=history, burst=burst, analysis=analysis,
                        hits=turn_hits(analysis, catalog, text), catalog=catalog)


def lead_state(*, contact: Contact, lead: Lead | None) -> LeadState:
    """The contact and their lead as the AI library's plain data."""
    return LeadState(
        name=contact.name if is_real_name(contact.name) else "",
        is_wholesale=contact.customer_type == CustomerType.WHOLESALE,
        contact_zone=contact.zone,
        has_lead=lead is not None,
        has_interest=bool(lead and (lead.product_id or lead.product_interest or lead.service_type)),
        service_type=lead.service_type if lead else "",
        budget=lead.budget if lead else None,
        zone=lead.zone if lead else "",
        address=lead.address if lead else "",
    )


def turn_compose(turn: CustomerTurn, *, contact: Contact, lead: Lead | None,
                 low_confidence_streak: int) -> ComposedReply:
    """The decision and reply for the turn, from the catalog hits and the business's knowledge base."""
    return compose_reply(analysis=turn.analysis, text=turn.text, hits=turn.hits, history=turn.history,
                         lead=lead_state(contact=contact, lead=lead), low_confidence_streak=low_confidence_streak,
                         knowledge=active_knowledge())


def reply_write(composed: ComposedReply, *, subject: str) -> str:
    """The reply's words: a hand-over as templated; else the provider's, grounded, or the template."""
    if composed.is_handover:
        return composed.text
    return write_reply(instruction=composed.instruction, history=list(composed.history), catalog=list(composed.hits),
                       facts=composed.facts, fallback_text=composed.text, subject=subject).text
