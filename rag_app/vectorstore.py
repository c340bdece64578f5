"""The vector index in ChromaDB: the only module that imports chromadb.

The database is the source of truth; this index can be rebuilt from it at any time. Chunk ids are
deterministic and writes are upserts, so re-running ingestion is harmless.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

import chromadb
import chromadb.errors
import httpx
from chromadb.config import Settings as ChromaSettings
from django.conf import settings

from rag_app.providers.base import ProviderError

Metadata = dict[str, str | int | float | bool]

_UPSERT_BATCH = 250
_lock = threading.Lock()
_clients: dict[tuple[str, str], Any] = {}


@dataclass(frozen=True)
class VectorItem:
    """One chunk to index."""

    id: str
    embedding: Sequence[float]
    text: str
    metadata: Metadata


@dataclass(frozen=True)
class Hit:
    """One search result; score is cosine similarity (1 is identical)."""

    id: str
    score: float
    text: str
    metadata: Metadata


@contextlib.contextmanager
def _collection() -> Iterator[Any]:
    """The configured collection; failures become ProviderErrors (unreachable is transient)."""
    try:
        client = _client()
    except ValueError as exc:  # HttpClient checks the server on creation and says so with a ValueError
        raise ProviderError(f"Chroma is unavailable: {exc}", permanent=False, provider="chroma") from exc
    try:
        # No embedding function: we always pass vectors (Chroma's default would download a model).
        yield client.get_or_create_collection(
            name=settings.CHROMA_COLLECTION,
            configuration={"hnsw": {"space": "cosine"}},
            embedding_function=None,
        )
    except (httpx.TransportError, ConnectionError, TimeoutError) as exc:
        raise ProviderError(f"Chroma is unavailable: {exc}", permanent=False, provider="chroma") from exc
    except (ValueError, chromadb.errors.ChromaError) as exc:  # a request Chroma refuses
        raise ProviderError(f"Chroma refused the request: {exc}", permanent=True, provider="chroma") from exc


def _client() -> Any:
    key = (settings.CHROMA_URL, str(settings.CHROMA_PATH))
    with _lock:
        if key not in _clients:
            chroma_settings = ChromaSettings(anonymized_telemetry=False)
            if settings.CHROMA_URL:
                url = urlparse(settings.CHROMA_URL)
                _clients[key] = chromadb.HttpClient(
                    host=url.hostname or "127.0.0.1",
                    port=url.port or (443 if url.scheme == "https" else 8000),
                    ssl=url.scheme == "https",
                    settings=chroma_settings,
                )
            else:
                settings.CHROMA_PATH.mkdir(parents=True, exist_ok=True)
                _clients[key] = chromadb.PersistentClient(path=str(settings.CHROMA_PATH), settings=chroma_settings)
        return _clients[key]


Filter = Mapping[str, str | int | float | bool | list[int] | list[str]]


def _where(filters: Filter, any_of: Sequence[Filter] = ()) -> dict[str, Any]:
    """Chroma's where clause for our filters.

    Every key of filters must match (a list means any of its values), and at least one of any_of.
    """
    clauses: list[dict[str, Any]] = [
        {key: {"$in": value} if isinstance(value, list) else value} for key, value in filters.items()
    ]
    alternatives = [_where(f) for f in any_of]
    if len(alternatives) == 1:
        clauses.append(alternatives[0])
    elif alternatives:
        clauses.append({"$or": alternatives})
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def upsert(items: Sequence[VectorItem]) -> None:
    """Insert or replace items by id."""
    with _collection() as collection:
        for start in range(0, len(items), _UPSERT_BATCH):
            batch = items[start : start + _UPSERT_BATCH]
            collection.upsert(
                ids=[i.id for i in batch],
                embeddings=[list(i.embedding) for i in batch],
                documents=[i.text for i in batch],
                metadatas=[i.metadata for i in batch],
            )


def query(embedding: Sequence[float], *, k: int, where: Filter, any_of: Sequence[Filter] = ()) -> list[Hit]:
    """Return the k nearest items matching where (and one of any_of, if given), nearest first."""
    with _collection() as collection:
        result = collection.query(
            query_embeddings=[list(embedding)],
            n_results=k,
            where=_where(where, any_of),
            include=["documents", "metadatas", "distances"],
        )
    found = zip(result["ids"][0], result["documents"][0], result["metadatas"][0], result["distances"][0], strict=True)
    return [Hit(id=i, score=1.0 - float(d), text=t or "", metadata=dict(m or {})) for i, t, m, d in found]


def delete(*, where: Metadata) -> None:
    """Remove every item whose metadata matches where."""
    with _collection() as collection:
        collection.delete(where=_where(where))


def delete_ids(item_ids: Sequence[str]) -> None:
    """Remove items by id."""
    with _collection() as collection:
        collection.delete(ids=list(item_ids))


def stored_ids(*, where: Metadata | None = None) -> set[str]:
    """The ids stored, optionally only those matching where."""
    with _collection() as collection:
        return set(collection.get(where=_where(where) if where else None, include=[])["ids"])


def iter_metadata(*, page_size: int = 1000) -> Iterator[tuple[str, Metadata]]:
    """Every stored (id, metadata), a page at a time (for reconciling the index with the database)."""
    offset = 0
    while True:
        with _collection() as collection:
            page = collection.get(include=["metadatas"], limit=page_size, offset=offset)
        ids = page["ids"]
        yield from zip(ids, (dict(m or {}) for m in page["metadatas"]), strict=True)
        if len(ids) < page_size:
            return
        offset += page_size


def count() -> int:
    """How many items the index holds."""
    with _collection() as collection:
        return int(collection.count())


def reset() -> None:
    """Drop the whole collection, to rebuild the index from the database."""
    with contextlib.suppress(chromadb.errors.NotFoundError):
        _client().delete_collection(settings.CHROMA_COLLECTION)


_FINGERPRINT_KEY = "embedding_fingerprint"


def get_fingerprint() -> str | None:
    """The embedding fingerprint stored with the collection (JSON text), if any."""
    with _collection() as collection:
        value = (collection.metadata or {}).get(_FINGERPRINT_KEY)
    return str(value) if value else None


def set_fingerprint(value: str) -> None:
    """Store the embedding fingerprint with the collection."""
    with _collection() as collection:
        metadata = {k: v for k, v in (collection.metadata or {}).items() if not k.startswith("hnsw:")}
        collection.modify(metadata={**metadata, _FINGERPRINT_KEY: value})
