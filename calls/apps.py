from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CallsConfig(AppConfig):
    name = "calls"
    verbose_name = _("Calls")

    def ready(self) -> None:
        # Celery's autodiscovery reads only ``calls.tasks``: the transcript and analysis tasks live beside it.
        from calls import tasks_ai  # noqa: F401
