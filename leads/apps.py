from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LeadsConfig(AppConfig):
    name = "leads"
    verbose_name = _("Contacts and leads")

    def ready(self) -> None:
        # Imported here, as in every ready(): models load only once the apps registry is ready.
        from core.config_cache import config_invalidate_on
        from leads.scoring import SCORING_TABLE_KEY, SCORING_TABLE_MODELS

        # Every message's scoring reads the rules and thresholds: kept per process, dropped by any change.
        config_invalidate_on(SCORING_TABLE_KEY, *SCORING_TABLE_MODELS)
