"""The business's knowledge base as plain data for the AI library: the active ``ai.KnowledgeEntry`` rows as
``ai.knowledge.KnowledgeItem``s, kept per process (``core.config_cache``).

A supervisor's edit in admin, an entry switched off or deleted, drops the copy in this process at once and in
every other within about a second (the shared generation); no query per turn while nothing changed.
"""

from __future__ import annotations

from ai.knowledge import KnowledgeItem, split_keywords
from ai.models import KnowledgeEntry
from core.config_cache import config_cached

KNOWLEDGE_KEY = "conversations.active_knowledge"


def knowledge_item(entry: KnowledgeEntry) -> KnowledgeItem:
    return KnowledgeItem(
        id=str(entry.pk),
        topic=entry.topic,
        question=entry.question,
        answer=entry.answer,
        keywords=split_keywords(entry.keywords),
        latitude=entry.latitude,
        longitude=entry.longitude,
    )


def _active_knowledge_load() -> tuple[KnowledgeItem, ...]:
    return tuple(knowledge_item(e) for e in KnowledgeEntry.objects.filter(is_active=True).order_by("topic", "pk"))


def active_knowledge() -> tuple[KnowledgeItem, ...]:
    """The active knowledge-base entries, by topic then id, as the assistant answers from them (any change to an
    entry drops the copy: registered in ``ConversationsConfig.ready``)."""
    return config_cached(KNOWLEDGE_KEY, _active_knowledge_load)
