from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConversationsConfig(AppConfig):
    name = "conversations"
    verbose_name = _("Conversations")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from conversations.services.assistant import catalog_memo_clear
        from operators.models import Product

        # The AI step keeps the catalog in memory while its version holds; a save here drops it at once.
        post_save.connect(catalog_memo_clear, sender=Product, dispatch_uid="catalog_memo_clear_save")
        post_delete.connect(catalog_memo_clear, sender=Product, dispatch_uid="catalog_memo_clear_delete")
