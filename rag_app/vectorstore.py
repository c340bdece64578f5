"""The vector index in ChromaDB: the only module that imports chromadb.

It knows collections, vectors and metadata, nothing of documents or notes (rag_app/index/ does). The
database is the source of truth; every collection can be rebuilt from it at any time.
"""

from __future__ import annotations

import contextlib
import functools
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlparse

import chromadb
import chromadb.errors
import httpx
from chromadb.config import Settings as ChromaSettings
from django.conf import settings

from rag_app.errors import ServiceError

Metadata = dict[str, str | int | float | bool]
Filter = Mapping[str, str | int | float | bool | list[int] | list[str]]

T = TypeVar("T")

# HNSW graph settings of new collections: at 100k vectors per collection these keep recall@10 at 1.0
# (Chroma's defaults, 16/100/100, lose neighbours as a collection grows; docs/benchmarks.md, issue 19).
HNSW: Mapping[str, int] = {"max_neighbors": 32, "ef_construction": 200, "ef_search": 200}

_UPSERT_BATCH = 250
_lock = threading.Lock()
_clients: dict[tuple[str, str], Any] = {}
_handles: dict[tuple[tuple[str, str], str], Any] = {}  # open collections, so an operation is one round trip


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


def _client_key() -> tuple[str, str]:
    return (settings.CHROMA_URL, str(settings.CHROMA_PATH))


def _client() -> Any:
    key = _client_key()
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
    """One named collection of vectors (created on first use, cosine space, tuned HNSW, no embedding function)."""

    def __init__(self, name: str, *, hnsw: Mapping[str, int] | None = None) -> None:
        self.name = name
        self.hnsw = dict(HNSW if hnsw is None else hnsw)

    def __repr__(self) -> str:
        return f"Collection({self.name!r})"

    def _handle(self, *, fresh: bool = False) -> Any:
        client = _connected()
        key = (_client_key(), self.name)
        with _lock:
            handle = None if fresh else _handles.get(key)
        if handle is None:
            with _errors():
                # No embedding function: we always pass vectors (Chroma's default would download a model).
                handle = client.get_or_create_collection(
                    name=self.name,
                    configuration={"hnsw": {"space": "cosine", **self.hnsw}},
                    embedding_function=None,
                )
            with _lock:
                _handles[key] = handle
        return handle

    def _call(self, work: Callable[[Any], T]) -> T:
        """work(collection), again with a fresh handle if another process dropped the collection meanwhile."""
        with _errors():
            try:
                return work(self._handle())
            except chromadb.errors.NotFoundError:
                return work(self._handle(fresh=True))

    @contextlib.contextmanager
    def _open(self) -> Iterator[Any]:
        with _errors():
            yield self._handle(fresh=True)

    def upsert(self, items: Sequence[VectorItem]) -> None:
        """Insert or replace items by id."""
        for start in range(0, len(items), _UPSERT_BATCH):
            batch = items[start : start + _UPSERT_BATCH]

            def write(c: Any, batch: Sequence[VectorItem] = batch) -> None:
                c.upsert(
                    ids=[i.id for i in batch],
                    embeddings=[list(i.embedding) for i in batch],
                    documents=[i.text for i in batch],
                    metadatas=[i.metadata for i in batch],
                )

            self._call(write)

    def query(
        self, embedding: Sequence[float], *, k: int, where: Filter | None = None, any_of: Sequence[Filter] = ()
    ) -> list[Hit]:
        """The k nearest items matching where (and one of any_of, if given), nearest first."""
        clause = _where(where or {}, any_of) if where or any_of else None
        result = self._call(
            lambda c: c.query(
                query_embeddings=[list(embedding)],
                n_results=k,
                where=clause,
                include=["documents", "metadatas", "distances"],
            )
        )
        found = zip(
            result["ids"][0], result["documents"][0], result["metadatas"][0], result["distances"][0], strict=True
        )
        return [Hit(id=i, score=1.0 - float(d), text=t or "", metadata=dict(m or {})) for i, t, m, d in found]

    def delete(self, *, where: Filter) -> None:
        """Remove every item whose metadata matches where."""
        self._call(lambda c: c.delete(where=_where(where)))

    def delete_ids(self, item_ids: Sequence[str]) -> None:
        """Remove items by id."""
        if item_ids:
            self._call(lambda c: c.delete(ids=list(item_ids)))

    def stored_ids(self, *, where: Filter | None = None) -> set[str]:
        """The ids stored, optionally only those matching where."""
        return set(self._call(lambda c: c.get(where=_where(where) if where else None, include=[]))["ids"])

    def iter_metadata(self, *, page_size: int = 1000) -> Iterator[tuple[str, Metadata]]:
        """Every stored (id, metadata), a page at a time."""
        for page in self._pages(["metadatas"], page_size):
            yield from zip(page["ids"], (dict(m or {}) for m in page["metadatas"]), strict=True)

    def iter_items(self, *, page_size: int = 500) -> Iterator[list[VectorItem]]:
        """Every stored item with its vector, a page at a time (to copy a collection without embedding again)."""
        for page in self._pages(["embeddings", "documents", "metadatas"], page_size):
            rows = zip(page["ids"], page["embeddings"], page["documents"], page["metadatas"], strict=True)
            yield [
                VectorItem(id=i, embedding=[float(x) for x in e], text=t or "", metadata=dict(m or {}))
                for i, e, t, m in rows
            ]

    def _pages(self, include: list[str], page_size: int) -> Iterator[dict[str, Any]]:
        offset = 0
        while True:
            page: dict[str, Any] = self._call(functools.partial(_get_page, include, page_size, offset))
            if page["ids"]:
                yield page
            if len(page["ids"]) < page_size:
                return
            offset += page_size

    def count(self) -> int:
        """How many items the collection holds."""
        return int(self._call(lambda c: c.count()))

    def drop(self) -> None:
        """Delete the whole collection (it is created empty again on next use)."""
        client = _connected()
        with _lock:
            _handles.pop((_client_key(), self.name), None)
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


def _get_page(include: list[str], limit: int, offset: int, handle: Any) -> Any:
    return handle.get(include=include, limit=limit, offset=offset)


def collection(name: str, *, hnsw: Mapping[str, int] | None = None) -> Collection:
    """The collection called name (hnsw: graph settings if it is created now; default HNSW)."""
    return Collection(name, hnsw=hnsw)


def collection_names(prefix: str = "") -> list[str]:
    """The names of the collections that exist, optionally only those starting with prefix."""
    client = _connected()
    names: list[str] = []
    with _errors():
        while page := client.list_collections(limit=100, offset=len(names)):
            names.extend(c.name for c in page)
    return sorted(n for n in names if n.startswith(prefix))
