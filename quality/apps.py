from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QualityConfig(AppConfig):
    name = "quality"
    verbose_name = _("Quality")

    def ready(self) -> None:
        # Imported here, as in every ready(): services load only once the apps registry is ready.
        from core import events
        from quality.subscribers import audits_prescore_on_transcript

        events.subscribe("call.transcribed", audits_prescore_on_transcript, order=50)
