"""The business's knowledge base as plain data for the AI library: the active ``ai.KnowledgeEntry`` rows as
``ai.knowledge.KnowledgeItem``s, kept in this process while the entries' version holds.

The version (last change, count, highest id) is one small aggregate read on every turn: a supervisor's
edit in admin, an entry switched off or deleted, changes it in every process at once. An entry saved or
deleted in this process also drops the memo through the signals below, so the next turn reads it.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import Count, Max
from django.db.models.signals import post_delete, post_save

from ai.knowledge import KnowledgeItem, split_keywords
from ai.models import KnowledgeEntry

_memo: dict[str, tuple[tuple[object, ...], tuple[KnowledgeItem, ...]]] = {}


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


def knowledge_memo_clear(**_: object) -> None:
    _memo.clear()


def active_knowledge() -> tuple[KnowledgeItem, ...]:
    """The active knowledge-base entries, by topic then id, as the assistant answers from them."""
    version = tuple(KnowledgeEntry.objects.aggregate(last=Max("updated_at"), n=Count("pk"), top=Max("pk")).values())
    database = str(connection.settings_dict["NAME"])
    hit = _memo.get(database)
    if hit is not None and hit[0] == version:
        return hit[1]
    items = tuple(knowledge_item(e) for e in KnowledgeEntry.objects.filter(is_active=True).order_by("topic", "pk"))
    _memo[database] = (version, items)
    return items


post_save.connect(knowledge_memo_clear, sender=KnowledgeEntry, dispatch_uid="knowledge_memo_clear_save")
post_delete.connect(knowledge_memo_clear, sender=KnowledgeEntry, dispatch_uid="knowledge_memo_clear_delete")
