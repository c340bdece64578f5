"""The vector index in ChromaDB: the only module that imports chromadb.

It knows collections, vectors and metadata, nothing of documents or notes (rag_app/index/ does). The
database is the source of truth; every collection can be rebuilt from it at any time.
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

from rag_app.errors import ServiceError

Metadata = dict[str, str | int | float | bool]
Filter = Mapping[str, str | int | float | bool | list[int] | list[str]]

_UPSERT_BATCH = 250
_lock = threading.Lock()
_clients: dict[tuple[str, str], Any] = {}


class VectorStoreError(ServiceError):
    """Chroma failed: unreachable or overloaded (transient), or it refused the request (permanent)."""

    def __init__(self, message: str, *, permanent: bool) -> None:
        super().__init__(message, permanent=permanent, provider="chroma")


@dataclass(frozen=True)
class VectorItem:
    """One passage to index."""

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


def _connected() -> Any:
    """The client; HttpClient checks the server when it is created and reports an unreachable one as ValueError."""
    try:
        return _client()
    except ValueError as exc:
        raise VectorStoreError(f"Chroma is unavailable: {exc}", permanent=False) from exc


@contextlib.contextmanager
def _errors() -> Iterator[None]:
    """Chroma's and the transport's exceptions as VectorStoreErrors (unreachable is transient)."""
    try:
        yield
    except (httpx.TransportError, ConnectionError, TimeoutError) as exc:
        raise VectorStoreError(f"Chroma is unavailable: {exc}", permanent=False) from exc
    except chromadb.errors.NotFoundError:
        raise
    except (ValueError, chromadb.errors.ChromaError) as exc:  # a request Chroma refuses
        raise VectorStoreError(f"Chroma refused the request: {exc}", permanent=True) from exc


def heartbeat() -> None:
    """Raise VectorStoreError unless Chroma answers (readiness probes)."""
    with _errors():
        _connected().heartbeat()


def _where(filters: Filter, any_of: Sequence[Filter] = ()) -> dict[str, Any]:
    """Chroma's where clause: every key of filters must match (a list: any of its values), and one of any_of."""
    clauses: list[dict[str, Any]] = [
        {key: {"$in": value} if isinstance(value, list) else value} for key, value in filters.items()
    ]
    alternatives = [_where(f) for f in any_of]
    if len(alternatives) == 1:
        clauses.append(alternatives[0])
    elif alternatives:
        clauses.append({"$or": alternatives})
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


MAX_COUNTED = 100  # collections counted per scrape: tests and evaluations leave many; each costs a request


def counts() -> dict[str, int]:
    """How many vectors each collection holds (the first MAX_COUNTED by name), for the metrics."""
    client = _connected()
    with _errors():
        names = sorted(c.name if hasattr(c, "name") else str(c) for c in client.list_collections())
        return {name: int(client.get_collection(name, embedding_function=None).count()) for name in names[:MAX_COUNTED]}


class Collection:
    """One named collection of vectors (created on first use, cosine space, no embedding function)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"Collection({self.name!r})"

    @contextlib.contextmanager
    def _open(self) -> Iterator[Any]:
        client = _connected()
        with _errors():
            # No embedding function: we always pass vectors (Chroma's default would download a model).
            yield client.get_or_create_collection(
                name=self.name, configuration={"hnsw": {"space": "cosine"}}, embedding_function=None
            )

    def upsert(self, items: Sequence[VectorItem]) -> None:
        """Insert or replace items by id."""
        with self._open() as collection:
            for start in range(0, len(items), _UPSERT_BATCH):
                batch = items[start : start + _UPSERT_BATCH]
                collection.upsert(
                    ids=[i.id for i in batch],
                    embeddings=[list(i.embedding) for i in batch],
                    documents=[i.text for i in batch],
                    metadatas=[i.metadata for i in batch],
                )

    def query(self, embedding: Sequence[float], *, k: int, where: Filter, any_of: Sequence[Filter] = ()) -> list[Hit]:
        """The k nearest items matching where (and one of any_of, if given), nearest first."""
        with self._open() as collection:
            result = collection.query(
                query_embeddings=[list(embedding)],
                n_results=k,
                where=_where(where, any_of),
                include=["documents", "metadatas", "distances"],
            )
        found = zip(
            result["ids"][0], result["documents"][0], result["metadatas"][0], result["distances"][0], strict=True
        )
        return [Hit(id=i, score=1.0 - float(d), text=t or "", metadata=dict(m or {})) for i, t, m, d in found]

    def delete(self, *, where: Filter) -> None:
        """Remove every item whose metadata matches where."""
        with self._open() as collection:
            collection.delete(where=_where(where))

    def delete_ids(self, item_ids: Sequence[str]) -> None:
        """Remove items by id."""
        if item_ids:
            with self._open() as collection:
                collection.delete(ids=list(item_ids))

    def stored_ids(self, *, where: Filter | None = None) -> set[str]:
        """The ids stored, optionally only those matching where."""
        with self._open() as collection:
            return set(collection.get(where=_where(where) if where else None, include=[])["ids"])

    def iter_metadata(self, *, page_size: int = 1000) -> Iterator[tuple[str, Metadata]]:
        """Every stored (id, metadata), a page at a time."""
        offset = 0
        while True:
            with self._open() as collection:
                page = collection.get(include=["metadatas"], limit=page_size, offset=offset)
            ids = page["ids"]
            yield from zip(ids, (dict(m or {}) for m in page["metadatas"]), strict=True)
            if len(ids) < page_size:
                return
            offset += page_size

    def count(self) -> int:
        """How many items the collection holds."""
        with self._open() as collection:
            return int(collection.count())

    def drop(self) -> None:
        """Delete the whole collection (it is created empty again on next use)."""
        client = _connected()
        with _errors(), contextlib.suppress(chromadb.errors.NotFoundError):
            client.delete_collection(self.name)

    def get_meta(self, key: str) -> str | None:
        """A value stored with the collection itself (e.g. the embedding fingerprint)."""
        with self._open() as collection:
            value = (collection.metadata or {}).get(key)
        return str(value) if value else None

    def set_meta(self, key: str, value: str) -> None:
        """Store a value with the collection itself."""
        with self._open() as collection:
            metadata = {k: v for k, v in (collection.metadata or {}).items() if not k.startswith("hnsw:")}
            collection.modify(metadata={**metadata, key: value})


def collection(name: str) -> Collection:
    """The collection called name."""
    return Collection(name)
