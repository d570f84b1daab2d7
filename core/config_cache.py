"""A per-process cache of configuration (issue 19): small tables read on every message, kept in memory.

A reader asks for a snapshot by key; the loader runs on a miss and must return immutable data (frozen
dataclasses, tuples, frozensets, ``MappingProxyType``), never live model instances a caller could change or
save::

    # routing/selectors.py
    def active_policies() -> tuple[PolicyRef, ...]:
        return config_cached("routing.policies", _policies_load)

    # routing/apps.py, in ready(): every process registers, so a change anywhere invalidates everywhere
    config_invalidate_on("routing.policies", RoutingPolicy)

How a change reaches every process:

- **This process, at once.** ``post_save``, ``post_delete`` and ``m2m_changed`` of the registered models drop
  the key here. Inside a transaction the key is *dirty* for this thread until the commit: it is read from the
  database (never stored), so nothing that may roll back is kept.
- **Other processes, within about a second.** On commit a shared generation counter in Django's default cache
  (Redis in the distributed mode; locmem, one process, in the embedded mode) goes up; each process looks at it
  at most every ``CONFIG_CACHE_CHECK_SECONDS`` (default 1) and drops everything when it moved.
- **Safety net.** Every entry is reloaded after ``CONFIG_CACHE_MAX_AGE_SECONDS`` (default 60), so a change no
  signal saw (``QuerySet.update()``, ``bulk_create``, raw SQL) or a missed bump (Redis down) heals by itself.
  Code that changes a registered table without signals calls :func:`config_invalidate` after it; ``migrate``
  bumps the shared generation when it ends (data migrations write through historical models).

``CONFIG_CACHE_ENABLED = False`` turns caching off (every read loads). Imports no app.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import models, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

logger = logging.getLogger(__name__)

T = TypeVar("T")

SHARED_KEY = "core.config_cache.generation"
CHECK_SECONDS = 1.0
MAX_AGE_SECONDS = 60.0


@dataclass(frozen=True)
class _Watch:
    ignored_fields: frozenset[str]  # a save of only these fields changes nothing the key holds
    saves: bool  # False: only deletes count (the key holds ids of rows whose other columns it reads fresh)


@dataclass(frozen=True)
class _Entry:
    value: Any
    loaded_at: float


_lock = threading.Lock()
_entries: dict[str, _Entry] = {}
_version = 0  # goes up at every local invalidation: a load that overlapped one is not stored
_shared_seen: object = None
_shared_checked_at = float("-inf")
_keys_by_model: dict[type[models.Model], dict[str, _Watch]] = {}  # model: {key: what of its changes count}
_thread = threading.local()  # .dirty: {database alias: set of keys changed in its open transaction}


def _setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


def _dirty(using: str) -> set[str]:
    by_alias: dict[str, set[str]] = getattr(_thread, "dirty", None) or {}
    _thread.dirty = by_alias
    return by_alias.setdefault(using, set())


def _is_dirty(key: str, using: str = "default") -> bool:
    dirty = _dirty(using)
    if dirty and not transaction.get_connection(using).in_atomic_block:
        dirty.clear()  # the transaction ended without its commit callback: rolled back, nothing to keep
    return key in dirty


def _shared_read() -> object:
    try:
        return cache.get(SHARED_KEY)
    except Exception:  # the shared cache is down: entries still expire by age
        logger.warning("config cache: cannot read the shared generation", exc_info=True)
        return _shared_seen


def _shared_bump() -> None:
    try:
        if not cache.add(SHARED_KEY, 1, timeout=None):
            cache.incr(SHARED_KEY)
    except ValueError:  # expired between add and incr
        cache.add(SHARED_KEY, 1, timeout=None)
    except Exception:
        logger.warning("config cache: cannot bump the shared generation; other processes reload within %s s",
                       _setting("CONFIG_CACHE_MAX_AGE_SECONDS", MAX_AGE_SECONDS), exc_info=True)


def _shared_sync(now: float) -> None:
    """Drop every entry when another process changed configuration (at most one cache read per interval)."""
    global _shared_seen, _shared_checked_at, _version
    if now - _shared_checked_at < _setting("CONFIG_CACHE_CHECK_SECONDS", CHECK_SECONDS):
        return
    current = _shared_read()
    with _lock:
        _shared_checked_at = now
        if current != _shared_seen:
            _shared_seen = current
            _entries.clear()
            _version += 1


def config_cached(key: str, loader: Callable[[], T], *, using: str = "default") -> T:
    """The snapshot under ``key``: from this process's memory, else ``loader()`` (stored unless a change to it is
    pending in this thread's transaction)."""
    if not _setting("CONFIG_CACHE_ENABLED", True):
        return loader()
    now = time.monotonic()
    _shared_sync(now)
    entry = _entries.get(key)
    if entry is not None and now - entry.loaded_at < _setting("CONFIG_CACHE_MAX_AGE_SECONDS", MAX_AGE_SECONDS):
        return entry.value  # type: ignore[no-any-return]
    if _is_dirty(key, using):
        return loader()
    version = _version
    value = loader()
    with _lock:
        if version == _version:
            _entries[key] = _Entry(value, now)
    return value


def _drop_local(keys: Iterable[str]) -> None:
    global _version
    with _lock:
        for key in keys:
            _entries.pop(key, None)
        _version += 1


def config_invalidate(*keys: str, using: str = "default") -> None:
    """Forget ``keys`` here at once and, after the commit (now, outside a transaction), in every process."""
    _drop_local(keys)
    connection = transaction.get_connection(using)
    if not connection.in_atomic_block:
        _shared_bump()
        return
    dirty = _dirty(using)
    dirty.update(keys)

    def committed() -> None:
        dirty.difference_update(keys)
        _drop_local(keys)  # whatever another thread loaded before our commit
        _shared_bump()

    transaction.on_commit(committed, using=using)


def _on_save(sender: type[models.Model], update_fields: frozenset[str] | None = None, using: str = "default",
             **kwargs: Any) -> None:
    keys = [key for key, watch in _keys_by_model.get(sender, {}).items()
            if watch.saves and (update_fields is None or not set(update_fields) <= watch.ignored_fields)]
    if keys:
        config_invalidate(*keys, using=using)


def _on_delete(sender: type[models.Model], using: str = "default", **kwargs: Any) -> None:
    config_invalidate(*_keys_by_model.get(sender, ()), using=using)


def _on_m2m(sender: type[models.Model], instance: models.Model, action: str, using: str = "default",
            **kwargs: Any) -> None:
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    keys: set[str] = set()
    for model, watched in _keys_by_model.items():
        if any(getattr(f.remote_field, "through", None) is sender for f in model._meta.many_to_many):
            keys |= {key for key, watch in watched.items() if watch.saves}
    config_invalidate(*keys, using=using)


def config_invalidate_on(key: str, *model_classes: type[models.Model],
                         ignore_update_fields: Iterable[str] = (), saves: bool = True) -> None:
    """Invalidate ``key`` whenever a row of ``model_classes`` is saved or deleted, or one of their many-to-many
    fields changes. Call it in ``AppConfig.ready()`` (every process, also those that only write). A save whose
    ``update_fields`` are all in ``ignore_update_fields`` (bookkeeping such as a round robin's last assignee)
    does not invalidate; with ``saves=False`` only deletes do (for a model the key only refers to by id)."""
    watch = _Watch(frozenset(ignore_update_fields), saves)
    for model in model_classes:
        _keys_by_model.setdefault(model, {})[key] = watch
        uid = f"core.config_cache.{model._meta.label}"
        post_save.connect(_on_save, sender=model, dispatch_uid=f"{uid}.save")
        post_delete.connect(_on_delete, sender=model, dispatch_uid=f"{uid}.delete")
        for field in model._meta.many_to_many:
            through = field.remote_field.through
            m2m_changed.connect(_on_m2m, sender=through, dispatch_uid=f"{uid}.m2m.{field.name}")


def config_cache_migrated(**kwargs: Any) -> None:
    """After ``migrate`` (whose data migrations save through historical models, which no handler hears): every
    process reloads. Connected to ``post_migrate`` in ``CoreConfig.ready``."""
    _drop_local(list(_entries))
    _shared_bump()


def config_cache_clear() -> None:
    """Forget every entry of this process (and pending marks of this thread); the shared generation stays."""
    global _shared_checked_at, _version
    with _lock:
        _entries.clear()
        _version += 1
        _shared_checked_at = float("-inf")
    _thread.dirty = {}


def config_cache_keys() -> frozenset[str]:
    """The keys held now in this process (tests, status pages)."""
    return frozenset(_entries)
