"""Who gets a conversation: assignment policies per team or number, skills, capacity, and
unanswered assignments that go back to the queue (shared/DESIGN.md, issue 17)."""
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

ORDER = 40  # after the AI step's hand-over decision is stored, before tickets (60/70) and automations (90)


class RoutingConfig(AppConfig):
    name = "routing"
    verbose_name = _("Routing")

    def ready(self) -> None:
        # Imported here, as in every ready(): services load only once the apps registry is ready.
        from core import events
        from core.config_cache import config_invalidate_on
        from notifications import kinds
        from routing import subscribers
        from routing.models import RoutingPolicy
        from routing.selectors import ACTIVE_POLICIES_KEY, POLICY_BOOKKEEPING_FIELDS

        # Which policy covers a conversation is read on every new conversation and hand-over: kept per process.
        config_invalidate_on(ACTIVE_POLICIES_KEY, RoutingPolicy, ignore_update_fields=POLICY_BOOKKEEPING_FIELDS)

        kinds.register("routing.unassigned", label=_("Nobody could take a conversation"), icon="inbox")
        kinds.register("routing.returned", label=_("Conversation taken back (not answered in time)"), icon="clock")
        events.subscribe("lead.hot", subscribers.lead_hot_route, order=ORDER)
        events.subscribe("conversation.escalated", subscribers.conversation_escalated_route, order=ORDER)
        # A conversation opened only by a CSAT rating (csat, 3, handles it) is nobody's work.
        events.subscribe("conversation.created", subscribers.conversation_created_route, order=ORDER,
                         skip_if_handled=True)
