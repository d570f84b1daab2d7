from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_out
        from django.db.models.signals import post_migrate

        from core.config_cache import config_cache_migrated
        from core.realtime import sockets_close_on_logout

        # Logging out closes the event sockets of that session (conversations/consumers.py), in every process.
        user_logged_out.connect(sockets_close_on_logout, dispatch_uid="core.sockets_close_on_logout")
        # Data migrations write configuration through historical models: every process reloads its cached copy.
        post_migrate.connect(config_cache_migrated, sender=self, dispatch_uid="core.config_cache_migrated")
