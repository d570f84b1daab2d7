"""Business hours and holidays per team, the out-of-office answer, and the first-response
service level of conversations per priority."""
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SlaConfig(AppConfig):
    name = "sla"
    verbose_name = _("Service levels")

    def ready(self) -> None:
        # Imported here, as in every ready(): services load only once the apps registry is ready.
        from core import events
        from core.config_cache import config_invalidate_on
        from notifications import kinds
        from sla.selectors import SLA_CONFIG_KEY, SLA_CONFIG_MODELS
        from sla.subscribers import message_received_out_of_office

        # Targets, hours and holidays are read on every message: kept per process, dropped by any change to them.
        config_invalidate_on(SLA_CONFIG_KEY, *SLA_CONFIG_MODELS)

        kinds.register("sla.warning", label=_("Conversation close to its reply target"), icon="clock")
        kinds.register("sla.breached", label=_("Conversation past its reply target"), icon="clock")
        # Order 5: before everything that answers the customer, after a CSAT rating (3) which it skips (a rating
        # given out of hours is thanked, not told we are closed). It returns nothing, so the AI step (50) still
        # answers, unless the team keeps the AI quiet out of hours.
        events.subscribe("message.received", message_received_out_of_office, order=5, skip_if_handled=True)
