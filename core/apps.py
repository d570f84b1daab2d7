from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_out

        from core.realtime import sockets_close_on_logout

        # Logging out closes the event sockets of that session (conversations/consumers.py), in every process.
        user_logged_out.connect(sockets_close_on_logout, dispatch_uid="core.sockets_close_on_logout")
