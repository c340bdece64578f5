"""Which generations an index has, which one is live, their collection names and embedders.

Read from the database at most every PROVIDER_CONFIG_TTL seconds per process (like the providers'
configuration), so a switch reaches every web and worker process within that time. An index without
rows has one implicit generation: number 1, live, written by the configured embedder.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from django.conf import settings

from rag_app import vectorstore
from rag_app.providers import registry
from rag_app.providers.base import Embedder, Endpoint
from rag_app.providers.config import setting_endpoint
from rag_app.providers.models import ProviderSetting
from rag_app.vectorstore import Collection

OWNER_INFIX = "_u"  # owner 7's passages of generation 1 live in "<name>_u7"; of generation 3 in "<name>_g3_u7"
GENERATION_INFIX = "_g"

LIVE, BUILDING, READY, KEPT, DROPPED, FAILED = "live", "building", "ready", "kept", "dropped", "failed"
WRITTEN = (LIVE, BUILDING, READY, KEPT)  # every write goes to each of these

_lock = threading.Lock()
_cache: dict[str, tuple[float, tuple[Gen, ...]]] = {}


@dataclass(frozen=True)
class Gen:
    """One generation as the index reads it: its number, state and endpoint (None: the configured embedder)."""

    index_name: str
    number: int
    state: str
    endpoint: Endpoint | None = None
    pk: int | None = None

    @property
    def prefix(self) -> str:
        """What its collections' names start with (generation 1 keeps the names from before generations)."""
        return self.index_name if self.number == 1 else f"{self.index_name}{GENERATION_INFIX}{self.number}"

    @property
    def label(self) -> str:
        """e.g. 'generation 2 (local:SmolLM2-135M-mean)'."""
        what = self.endpoint.label if self.endpoint is not None else "configured embedder"
        return f"generation {self.number} ({what})"

    def collection(self, owner_id: int) -> Collection:
        """The collection of one owner's passages in this generation."""
        return vectorstore.collection(f"{self.prefix}{OWNER_INFIX}{owner_id}")

    def owner_collections(self) -> dict[int, Collection]:
        """Every owner's collection of this generation that exists now, by owner id."""
        prefix = f"{self.prefix}{OWNER_INFIX}"
        found = {}
        for full in vectorstore.collection_names(prefix):
            suffix = full.removeprefix(prefix)
            if suffix.isdigit():
                found[int(suffix)] = vectorstore.collection(full)
        return found

    def embedder(self) -> Embedder:
        """The embedder that writes and searches this generation (fingerprint checks are the caller's)."""
        if self.endpoint is None:
            return registry.embedder()
        return registry.GuardedEmbedder(self.endpoint)


def implicit(index_name: str) -> Gen:
    """The one generation of an index that has never been migrated."""
    return Gen(index_name=index_name, number=1, state=LIVE)


def endpoint_of(kind: str, model: str, base_url: str) -> Endpoint | None:
    """A generation row's embeddings endpoint: the environment's defaults for its kind, its own fields over them."""
    if not kind:
        return None
    return setting_endpoint(ProviderSetting(role="embeddings", kind=kind, model=model, base_url=base_url))


def of_row(row: object) -> Gen:
    """A Generation row as the index reads it."""
    from rag_app.index.models import Generation

    assert isinstance(row, Generation)
    return Gen(row.index_name, row.number, row.state, endpoint_of(row.kind, row.model, row.base_url), row.pk)


def _load(index_name: str) -> tuple[Gen, ...]:
    from rag_app.index.models import Generation

    rows = Generation.objects.filter(index_name=index_name, state__in=WRITTEN).order_by("number")
    gens = tuple(of_row(row) for row in rows)
    return gens if any(g.state == LIVE for g in gens) else (implicit(index_name), *gens)


def all_of(index_name: str) -> tuple[Gen, ...]:
    """The index's generations that are written to (live, building, ready, kept), re-read every TTL seconds."""
    now = time.monotonic()
    with _lock:
        cached = _cache.get(index_name)
        if cached and now - cached[0] < settings.PROVIDER_CONFIG_TTL:
            return cached[1]
    gens = _load(index_name)
    with _lock:
        _cache[index_name] = (now, gens)
    return gens


def live(index_name: str) -> Gen:
    """The generation questions are answered from."""
    return next(g for g in all_of(index_name) if g.state == LIVE)


def written(index_name: str) -> list[Gen]:
    """Every generation a write goes to, the live one first."""
    gens = all_of(index_name)
    return sorted(gens, key=lambda g: g.state != LIVE)


def invalidate() -> None:
    """Read the generations again on next use (this process sees a change at once; others within the TTL)."""
    with _lock:
        _cache.clear()
