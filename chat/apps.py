from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChatConfig(AppConfig):
    name = "chat"
    verbose_name = _("Internal chat")

    def ready(self) -> None:
        # Here, once apps are loaded: the bell's kinds of the chat and the top bar's chat count.
        from chat.selectors import chat_unread_total
        from notifications import kinds
        from notifications.topbar import counter_register

        kinds.register("chat.mention", label=_("Mentioned in the chat"), icon="at")
        kinds.register("chat.broadcast", label=_("Announcement"), icon="megaphone")
        kinds.register("chat.direct", label=_("Direct message"), icon="chat")
        counter_register("chat_unread", chat_unread_total)
