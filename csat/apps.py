"""Customer satisfaction: a 1-5 rating asked when a conversation is resolved, and the answers."""
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CsatConfig(AppConfig):
    name = "csat"
    verbose_name = _("Customer satisfaction")

    def ready(self) -> None:
        # Imported here, as in every ready(): services load only once the apps registry is ready.
        from core import events
        from csat import subscribers
        from notifications import kinds

        kinds.register("csat.low", label=_("Low satisfaction rating"), icon="megaphone")
        events.subscribe("conversation.resolved", subscribers.conversation_resolved_ask_rating, order=30)
        # First of all (before the out-of-office answer, 5, the quote acceptance, 10, and the AI step, 50, which
        # skip a handled message): a rating is answered here and nowhere else.
        events.subscribe("message.received", subscribers.message_received_store_rating, order=3)
        # A conversation the rating opened: routing (40) and the rules (90) skip it.
        events.subscribe("conversation.created", subscribers.conversation_created_rating_reply, order=3)
