"""Automation rules: when an event happens and its conditions hold, run actions; every run logged."""
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

ORDER = 90  # after the replies and hand-overs of the other apps (routing 40, tickets 60/70, the AI step 50)


class AutomationsConfig(AppConfig):
    name = "automations"
    verbose_name = _("Automations")

    def ready(self) -> None:
        # Imported here, as in every ready(): services load only once the apps registry is ready.
        from automations import subscribers
        from automations.actions import NOTICE_KIND
        from automations.selectors import RULES_KEY, RULES_MODELS, RULES_REFERENCED_MODELS
        from core import events
        from core.config_cache import config_invalidate_on
        from notifications import kinds

        # The active rules are read for every event: kept per process, dropped by any change to them.
        config_invalidate_on(RULES_KEY, *RULES_MODELS)
        config_invalidate_on(RULES_KEY, *RULES_REFERENCED_MODELS, saves=False)

        kinds.register(NOTICE_KIND, label=_("Automation rule"), icon="megaphone")
        # A customer's message that an earlier subscriber answered itself (a "sí" that accepted a quote, a CSAT
        # rating) is skipped: it is not a conversation to act on, and a rule's reply would answer it twice.
        # Every other message runs the rules, whatever the AI step (which never claims a message) does with it.
        events.subscribe("message.received", subscribers.message_received_run_rules, order=ORDER,
                         skip_if_handled=True)
        # A conversation opened only by a CSAT rating (csat, 3, handles it) is no new conversation to act on.
        events.subscribe("conversation.created", subscribers.conversation_created_run_rules, order=ORDER,
                         skip_if_handled=True)
        events.subscribe("conversation.escalated", subscribers.conversation_escalated_run_rules, order=ORDER)
        events.subscribe("conversation.resolved", subscribers.conversation_resolved_run_rules, order=ORDER)
        events.subscribe("lead.hot", subscribers.lead_hot_run_rules, order=ORDER)
        events.subscribe("quote.expired", subscribers.quote_expired_run_rules, order=ORDER)
        events.subscribe("sale.validated", subscribers.sale_validated_run_rules, order=ORDER)
