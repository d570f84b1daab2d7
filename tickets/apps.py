from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    name = "tickets"
    verbose_name = _("Tickets")

    def ready(self) -> None:
        # Imported here, as in every ready(): services load only once the apps registry is ready.
        from core import events
        from notifications import kinds
        from tickets.subscribers import conversation_escalated_open_ticket, message_received_customer_reply

        kinds.register("ticket.assigned", label=_("Ticket assigned"), icon="ticket")
        kinds.register("ticket.sla_warning", label=_("Ticket close to its SLA deadline"), icon="clock")
        kinds.register("ticket.sla_breached", label=_("Ticket past its SLA deadline"), icon="clock")
        kinds.register("ticket.customer_replied", label=_("Customer replied on a ticket"), icon="ticket")
        events.subscribe("conversation.escalated", conversation_escalated_open_ticket, order=60)
        # Not skip_if_handled: a reply that accepted a quote (sales, order 10) still shows on the ticket. It
        # returns nothing, so the AI step (conversations, order 50, skip_if_handled) is never held back by it.
        events.subscribe("message.received", message_received_customer_reply, order=70)
