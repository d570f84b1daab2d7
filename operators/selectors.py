"""Reads of the catalog, above all the product search the AI and the agents rely on.

On PostgreSQL: full-text search with prefix terms over the accent-free ``search_text``, ranked,
with trigram word similarity when nothing matches (typos). On SQLite: the same word-prefix match
with ``LIKE``, ranked by whole-word hits, with close-word correction for typos.
Both are accent- and case-insensitive: ``search_text`` and the query are folded the same way.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector, TrigramWordSimilarity
from django.db import connection
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Length

from core.params import parse_id
from core.text import tokens
from operators.models import Operator, Product

#: The active catalog as the AI reads it on every message, kept per process (core.config_cache). A product or
#: operator saved or deleted drops it through signals (operators/apps.py); the writes that bypass them (stock
#: takes, bulk activation) call ``config_invalidate(CATALOG_KEY)`` themselves.
CATALOG_KEY = "operators.catalog"

SEARCH_CONFIG = "simple"
TRIGRAM_MIN_SIMILARITY = 0.4


def search_vector() -> SearchVector:
    """The indexed expression (see the GIN index in operators/migrations)."""
    return SearchVector("search_text", config=SEARCH_CONFIG)


@dataclass(frozen=True)
class ProductFilters:
    q: str = ""
    category: str = ""
    operator: str = ""  # id or slug
    in_stock: bool | None = None
    active: bool | None = True


def operator_list(*, active: bool | None = None) -> QuerySet[Operator]:
    qs = Operator.objects.all()
    if active is not None:
        qs = qs.filter(is_active=active)
    return qs


def product_list(*, filters: ProductFilters | None = None) -> QuerySet[Product]:
    filters = filters or ProductFilters()
    qs = Product.objects.select_related("operator")
    if filters.active is not None:
        qs = qs.filter(is_active=filters.active)
    if filters.category:
        qs = qs.filter(category=filters.category)
    if filters.operator:
        operator_id = parse_id(filters.operator)
        qs = qs.filter(operator_id=operator_id) if operator_id else qs.filter(operator__slug=filters.operator)
    if filters.in_stock is True:
        qs = qs.filter(Q(stock__isnull=True) | Q(stock__gt=0))
    elif filters.in_stock is False:
        qs = qs.filter(stock=0)
    if filters.q:
        return product_search(query=filters.q, queryset=qs)
    return qs


def product_search(*, query: str, queryset: QuerySet[Product] | None = None) -> QuerySet[Product]:
    """Products matching every word of ``query`` as a word prefix, best first; typo-tolerant."""
    qs = queryset if queryset is not None else Product.objects.select_related("operator").filter(is_active=True)
    words = tokens(query)
    if not words:
        return qs
    if connection.vendor == "postgresql":
        return _search_postgresql(qs, words)
    return _search_fallback(qs, words)


def _search_postgresql(qs: QuerySet[Product], words: list[str]) -> QuerySet[Product]:
    # Words are [a-z0-9]+ after folding, so a raw prefix tsquery is safe to build.
    ts_query = SearchQuery(" & ".join(f"{w}:*" for w in words), search_type="raw", config=SEARCH_CONFIG)
    matched = (
        qs.annotate(document=search_vector(), rank=SearchRank(search_vector(), ts_query))
        .filter(document=ts_query)
        .order_by("-rank", Length("name"), "name", "pk")
    )
    if matched.exists():
        return matched
    phrase = " ".join(words)
    return (
        qs.annotate(similarity=TrigramWordSimilarity(phrase, "search_text"))
        .filter(similarity__gte=TRIGRAM_MIN_SIMILARITY)
        .order_by("-similarity", Length("name"), "name", "pk")
    )


def _whole_word_hits(words: list[str]) -> Case | Value:
    expression: Case | Value = Value(0)
    for word in words:
        expression = expression + Case(  # type: ignore[assignment]
            When(search_text__contains=f" {word} ", then=Value(1)), default=Value(0), output_field=IntegerField()
        )
    return expression


def _prefix_q(word: str) -> Q:
    return Q(search_text__contains=f" {word}")


def _search_fallback(qs: QuerySet[Product], words: list[str]) -> QuerySet[Product]:
    all_words = Q()
    for word in words:
        all_words &= _prefix_q(word)
    matched = qs.filter(all_words)
    if not matched.exists():
        corrected = _correct_words(qs, words)
        if corrected != words:
            return _search_fallback(qs, corrected)
        return qs.none()
    return matched.annotate(rank=_whole_word_hits(words)).order_by("-rank", Length("name"), "name", "pk")


def _correct_words(qs: QuerySet[Product], words: list[str]) -> list[str]:
    """Replace words that match nothing by the closest catalog word (``cargdor`` -> ``cargador``)."""
    vocabulary: set[str] = set()
    for text in qs.values_list("search_text", flat=True).iterator(chunk_size=2000):
        vocabulary.update(text.split())
    corrected = []
    for word in words:
        if any(v.startswith(word) for v in vocabulary) or word.isdigit():
            corrected.append(word)
            continue
        close = difflib.get_close_matches(word, vocabulary, n=1, cutoff=0.75)
        corrected.append(close[0] if close else word)
    return corrected
