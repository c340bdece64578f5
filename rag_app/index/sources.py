"""The kinds of things the index holds passages of (documents, notes), registered by their own apps.

The index sits below the apps, so it never imports them: each app tells it, at start-up, how to list
what should be indexed, how to re-index one item, how to requeue stuck work, and what its stored passages
are (a new generation is built from them without extracting or chunking again).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from rag_app.index.items import IndexPassage, Source


@dataclass(frozen=True)
class Parent:
    """A document or note that should be in the index: its owner and the item ids it should have."""

    owner_id: int
    item_ids: frozenset[str]


@dataclass(frozen=True)
class IndexSource:
    """How the index sees one kind of parent."""

    source: Source
    singular: str  # "document"
    indexed_plural: str  # "ready documents": the parents that should be in the index
    busy_words: str  # "queued or processing"
    indexed: Callable[[], dict[int, Parent]]  # every parent that should be in the index now
    busy: Callable[[], set[int]]  # parents being written right now: their items are not judged
    reindex: Callable[[int], int]  # write one parent's stored passages into the index again
    stuck: Callable[[], list[int]]  # busy parents whose work stopped (the worker died)
    requeue: Callable[[int], None]  # start a stuck parent's work again
    # the stored passages of some parents, by parent: (owner id, passages); for building a generation
    passages: Callable[[list[int]], dict[int, tuple[int, list[IndexPassage]]]] | None = None


_registry: dict[Source, IndexSource] = {}


def stuck_before() -> datetime:
    """Work busy since before this has outlived any task's time limit: its worker is gone."""
    return timezone.now() - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)


def register(source: IndexSource) -> None:
    """Called from an app's ready(); registering the same kind again replaces it."""
    _registry[source.source] = source


def all_sources() -> list[IndexSource]:
    """Every registered kind, documents first."""
    return [_registry[s] for s in sorted(_registry, key=lambda s: s != "document")]


def get(source: Source) -> IndexSource:
    """The registered kind."""
    return _registry[source]
