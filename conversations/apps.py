from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConversationsConfig(AppConfig):
    name = "conversations"
    verbose_name = _("Conversations")

    def ready(self) -> None:
        # Imported here, as in every ready(): models and services load only once the apps registry is ready.
        from ai.catalog_source import catalog_source_register
        from ai.models import KnowledgeEntry
        from conversations.models import ChannelAccount
        from conversations.selectors import CHANNEL_ACCOUNT_TEAMS_KEY, CHANNEL_ACCOUNTS_KEY
        from conversations.services.accounts import CHANNEL_ACCOUNT_REFS_KEY
        from conversations.services.assistant import active_catalog
        from conversations.services.assistant.knowledge import KNOWLEDGE_KEY
        from conversations.subscribers import message_received_assist
        from core import events
        from core.config_cache import config_invalidate_on
        from notifications import kinds

        # After sales' quote acceptance (order 10), which handles a "sí" to a waiting quote.
        events.subscribe("message.received", message_received_assist, order=50, skip_if_handled=True)
        # Channel accounts' teams are read on every message (routing, service levels, rules): kept per process.
        config_invalidate_on(CHANNEL_ACCOUNT_TEAMS_KEY, ChannelAccount)
        # And each account's id by its provider's key, read for every inbound message.
        config_invalidate_on(CHANNEL_ACCOUNT_REFS_KEY, ChannelAccount)
        # And the accounts themselves, their credentials decrypted: the AI step and the sends read them.
        config_invalidate_on(CHANNEL_ACCOUNTS_KEY, ChannelAccount)
        # The knowledge base the AI step answers from, on every turn: kept per process too.
        config_invalidate_on(KNOWLEDGE_KEY, KnowledgeEntry)
        # The AI library imports no app: the lexicon admin's "Try a message" reads the catalog from here.
        catalog_source_register(active_catalog)

        kinds.register("conversation.assigned", label=_("Conversation assigned"), icon="inbox")
        # An assignment by the system (conversation_assign_system: routing, an automation rule), with its reason.
        kinds.register("routing.assigned", label=_("Conversation assigned by routing"), icon="inbox")
        kinds.register("note.mention", label=_("Mention in a note"), icon="at")
        kinds.register("followup.due", label=_("Follow-up due"), icon="clock")
        kinds.register("followup.failed", label=_("Follow-up not sent"), icon="clock")
