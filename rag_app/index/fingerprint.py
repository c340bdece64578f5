"""The embedding fingerprint kept with the index, so vectors from another model are never mixed in."""

from __future__ import annotations

import json
import math
import threading
import time
from dataclasses import asdict, dataclass

from django.db import connection

from rag_app.providers.base import Embedder, ProviderError
from rag_app.vectorstore import Collection

PROBE = "The quick brown fox jumps over the lazy dog."
_SAMPLE_DIMS = 32
_MIN_COSINE = 0.99  # the same model served by another runtime agrees to ~0.9999
_RECHECK_SECONDS = 10.0

_KEY = "embedding_fingerprint"

_lock = threading.Lock()
_checked: dict[tuple[str, object], float] = {}
_refreshing: set[tuple[str, object]] = set()  # pairs being checked again in the background
_epoch = [0]  # bumped by forget(): a background check begun before it keeps no verdict
_current: dict[object, tuple[float, Fingerprint]] = {}  # by endpoint: one probe serves every owner's collection


class EmbeddingMismatch(ProviderError):
    """The configured embedder does not produce the vectors the index was built with."""


@dataclass(frozen=True)
class Fingerprint:
    """Who made the index's vectors, their size, and what they look like for a fixed probe text."""

    kind: str
    model: str
    dimension: int
    sample: tuple[float, ...]

    def describe(self) -> str:
        """e.g. 'vllm:minilm (384-d)'."""
        return f"{self.kind}:{self.model} ({self.dimension}-d)"

    def matches(self, other: Fingerprint) -> bool:
        """Same vector space: same dimension and the probe lands in the same place."""
        if self.dimension != other.dimension or not self.sample or not other.sample:
            return False
        dot = sum(a * b for a, b in zip(self.sample, other.sample, strict=False))
        norms = math.sqrt(sum(a * a for a in self.sample)) * math.sqrt(sum(b * b for b in other.sample))
        return norms > 0 and dot / norms >= _MIN_COSINE

    def to_json(self) -> str:
        """The form stored in the collection's metadata."""
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> Fingerprint:
        """Read the stored form."""
        data = json.loads(text)
        return cls(data["kind"], data["model"], int(data["dimension"]), tuple(data["sample"]))


def fingerprint(embedder: Embedder) -> Fingerprint:
    """The fingerprint of an embedder, from one embedding of the probe text."""
    vector = embedder.embed_batch([PROBE])[0]
    endpoint = embedder.endpoint
    return Fingerprint(endpoint.kind, endpoint.model, len(vector), tuple(round(x, 6) for x in vector[:_SAMPLE_DIMS]))


def stored(collection: Collection) -> Fingerprint | None:
    """The fingerprint of the embedder that wrote collection's vectors, if it has any yet."""
    text = collection.get_meta(_KEY)
    return Fingerprint.from_json(text) if text else None


def store(collection: Collection, value: Fingerprint) -> None:
    """Record which embedder writes collection's vectors."""
    collection.set_meta(_KEY, value.to_json())


def ensure_matches(collection: Collection, embedder: Embedder) -> None:
    """Stop with a clear error when collection was built by another embedder; an empty one adopts this one.

    Checked at most every few seconds per process, collection and endpoint. Once a pair has passed, a check
    that is due runs in a background thread while the caller goes on (no probe on a question's path); if it
    fails, the next caller checks again itself, and gets the error.
    """
    key = (collection.name, embedder.endpoint)
    with _lock:
        last = _checked.get(key)
        if last is not None:  # passed before: never checked on the caller's time again
            if time.monotonic() - last >= _RECHECK_SECONDS and key not in _refreshing:
                _refreshing.add(key)
                args = (key, collection, embedder, _epoch[0])
                threading.Thread(target=_recheck, args=args, name="fingerprint-check", daemon=True).start()
            return
    _check(collection, embedder)
    with _lock:
        _checked[key] = time.monotonic()


def _check(collection: Collection, embedder: Embedder) -> None:
    current = _current_of(embedder)
    known = stored(collection)
    if known is None:
        store(collection, current)
    elif not known.matches(current):
        raise EmbeddingMismatch(
            f"The search index was built with {known.describe()} but the embeddings provider is now "
            f"{current.describe()}: their vectors are not comparable. Switch the embeddings provider back, "
            "or rebuild the index with the new one: python manage.py rebuild_index",
            permanent=True,
            provider=embedder.endpoint.kind,
        )


def _recheck(key: tuple[str, object], collection: Collection, embedder: Embedder, epoch: int) -> None:
    """The background check of a pair that passed before: passed again, or forgotten (the next caller checks)."""
    try:
        _check(collection, embedder)
    except Exception:  # noqa: BLE001 - a mismatch or a server away: the next caller's own check raises it
        with _lock:
            _checked.pop(key, None)
    else:
        with _lock:
            if epoch == _epoch[0]:
                _checked[key] = time.monotonic()
    finally:
        with _lock:
            _refreshing.discard(key)
        connection.close()  # the probe's call-log row used this thread's own connection


def _current_of(embedder: Embedder) -> Fingerprint:
    """The embedder's fingerprint, probed at most every few seconds per process and endpoint."""
    with _lock:
        cached = _current.get(embedder.endpoint)
    if cached is not None and time.monotonic() - cached[0] < _RECHECK_SECONDS:
        return cached[1]
    value = fingerprint(embedder)
    with _lock:
        _current[embedder.endpoint] = (time.monotonic(), value)
    return value


def forget() -> None:
    """Check again on next use (after a rebuild, or a settings change)."""
    with _lock:
        _epoch[0] += 1
        _checked.clear()
        _current.clear()
