"""Where the AI library finds the whole active catalog when no caller hands it one.

``ai`` imports no other app, so it cannot read products. The app that turns them into ``CatalogItem``s
(``conversations``, in ``ConversationsConfig.ready()``) registers its reader here at start-up. The
inbound path passes the catalog explicitly; the lexicon admin's "Try a message" page reads it here.
"""

from __future__ import annotations

from collections.abc import Callable

from ai.types import CatalogItem

CatalogSource = Callable[[], list[CatalogItem]]

_source: CatalogSource | None = None


def catalog_source_register(source: CatalogSource) -> None:
    """Set the function that returns the active catalog (the last registration wins)."""
    global _source
    _source = source


def catalog_items() -> list[CatalogItem]:
    """The active catalog from the registered source; empty when no app registered one."""
    return _source() if _source is not None else []
