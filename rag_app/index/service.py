"""Write and search the index: embed passages, replace a document's or note's items, find the nearest.

Which collections are live is decided here and nowhere else: one per owner and generation, named after
the index (generations.py). Questions read the live generation; writes go to every generation that is
live, building, ready or kept, each embedded by that generation's own embedder. An evaluation can point
one thread of work at a throwaway index with `using()`, without touching settings.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import re
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor

from django.conf import settings

from rag_app import vectorstore
from rag_app.errors import ServiceError
from rag_app.index import fingerprint, generations, migrate
from rag_app.index.generations import OWNER_INFIX, Gen
from rag_app.index.items import IndexPassage, ItemKey, Source, item_id, key_of, metadata, parent_filter
from rag_app.metrics import CHUNKS_INDEXED
from rag_app.providers.base import Embedder
from rag_app.vectorstore import Collection, Filter

log = logging.getLogger(__name__)

_override: contextvars.ContextVar[str | None] = contextvars.ContextVar("index_collection", default=None)

Progress = Callable[[int, int], None]


class KeepWritten(Exception):
    """Raised by a write's on_progress to stop it and keep the batches written so far (the write resumes later)."""


OVERLAP_WRITES = True  # write batch n while batch n+1 is embedded (bench_ingest measures both)

_migrated: set[str] = set()  # index names whose legacy shared collection this process has migrated
_migrate_lock = threading.Lock()


def name() -> str:
    """The index's name: its owner collections are called after it (the legacy shared collection had it)."""
    return _override.get() or settings.CHROMA_COLLECTION


def live_generation() -> Gen:
    """The generation questions are answered from now (re-read every PROVIDER_CONFIG_TTL seconds)."""
    return generations.live(name())


def live(owner_id: int) -> Collection:
    """The collection one owner's questions are answered from: theirs in the live generation.

    A collection per owner keeps search exact per user at any size: a filter on one shared HNSW graph
    loses most of a user's true neighbours once the graph is large (docs/benchmarks.md, issue 19).
    """
    return live_generation().collection(owner_id)


def owner_collections(generation: Gen | None = None) -> dict[int, Collection]:
    """Every owner's collection of a generation (default: the live one) that exists now, by owner id."""
    return (generation or live_generation()).owner_collections()


def legacy() -> Collection:
    """The shared collection of every owner's passages that earlier versions wrote (migrate.py empties it)."""
    return vectorstore.collection(name())


def drop_all() -> None:
    """Delete every collection of the index: every owner's of every generation, and the legacy shared one."""
    pattern = re.compile(rf"{re.escape(name())}({generations.GENERATION_INFIX}\d+)?{OWNER_INFIX}\d+")
    for full in vectorstore.collection_names(name()):
        if pattern.fullmatch(full):
            vectorstore.collection(full).drop()
    legacy().drop()


@contextlib.contextmanager
def using(index_name: str) -> Iterator[str]:
    """Make `index_name` the live index for this thread (and what it calls) until the block ends."""
    token = _override.set(index_name)
    try:
        yield index_name
    finally:
        _override.reset(token)


def migrate_legacy() -> migrate.Moved:
    """Move the legacy shared collection's vectors into the owners' collections now (see migrate.py)."""
    with _migrate_lock:
        moved = migrate.migrate(legacy(), generations.implicit(name()).collection)
        _migrated.add(name())
    return moved


def embedder(owner_id: int, generation: Gen | None = None) -> Embedder:
    """The embedder of a generation (default: the live one), refused when it did not build the owner's collection.

    (See fingerprint.) Every write and search asks for it first, so this is where a process migrates a legacy shared
    collection, once, before it reads or writes any owner's collection.
    """
    if name() not in _migrated:
        migrate_legacy()
    gen = generation or live_generation()
    model = gen.embedder()
    fingerprint.ensure_matches(gen.collection(owner_id), model)
    return model


def embed_query(text: str, *, owner_id: int) -> list[float]:
    """The vector of a question."""
    return embedder(owner_id).embed_one(text)


def replace(
    *,
    source: Source,
    parent_id: int,
    owner_id: int,
    passages: Sequence[IndexPassage],
    vectors: Sequence[Sequence[float]] | None = None,
    vectors_of: Gen | None = None,
    on_progress: Progress | None = None,
    resume: bool = False,
    on_resume: Progress | None = None,
) -> int:
    """Make the index hold exactly these passages for one document or note; returns how many.

    Without vectors the passages are embedded here, in batches, each batch written while the next ones
    are embedded. An on_progress that raises (the parent was deleted meanwhile) stops the write and
    leaves none of the parent's items behind, unless it raises KeepWritten. Items the parent no longer
    has are removed at the end. resume: passages whose items are already stored are not embedded or
    written again (the caller knows the stored ones were made from the same texts); on_resume then
    hears (skipped, total) first.

    The live generation is written first; then every other generation that is building, ready or kept.
    Given vectors go only into the generation whose embedder made them (vectors_of, default the live one:
    a switch may land between embedding and writing); every other generation embeds with its own embedder.
    One of those failing is logged and left to its reconcile: the live index must not fail because a
    shadow one is away.
    """
    first, *others = generations.written(name())
    made_by = (vectors_of or first).number if vectors is not None else None

    def given(gen: Gen) -> Sequence[Sequence[float]] | None:
        return vectors if gen.number == made_by else None

    _replace_in(first, source, parent_id, owner_id, passages, given(first), on_progress, resume, on_resume)
    for gen in others:
        try:
            _replace_in(gen, source, parent_id, owner_id, passages, given(gen), None, resume, None)
        except ServiceError:
            log.warning("could not write %s %s into %s; its reconcile repairs it", source, parent_id, gen.label)
    return len(passages)


def _replace_in(
    gen: Gen,
    source: Source,
    parent_id: int,
    owner_id: int,
    passages: Sequence[IndexPassage],
    vectors: Sequence[Sequence[float]] | None,
    on_progress: Progress | None,
    resume: bool,
    on_resume: Progress | None,
) -> None:
    """replace() in one generation."""
    collection = gen.collection(owner_id)
    todo, skipped = passages, 0
    if resume:
        stored = collection.stored_ids(where=parent_filter(source, parent_id))
        todo = [p for p in passages if item_id(ItemKey(source, parent_id, p.index)) not in stored]
        skipped = len(passages) - len(todo)
        if skipped and on_resume is not None:
            on_resume(skipped, len(passages))
    given = vectors if not skipped else None
    _write(gen, collection, source, parent_id, owner_id, todo, given, on_progress, skipped, len(passages))
    keep = {item_id(ItemKey(source, parent_id, p.index)) for p in passages}
    collection.delete_ids(sorted(collection.stored_ids(where=parent_filter(source, parent_id)) - keep))


def _write(
    gen: Gen,
    collection: Collection,
    source: Source,
    parent_id: int,
    owner_id: int,
    passages: Sequence[IndexPassage],
    vectors: Sequence[Sequence[float]] | None,
    on_progress: Progress | None,
    done: int,
    total: int,
) -> None:
    """Embed (unless vectors are given) and upsert passages a batch at a time, reporting done of total."""

    def items(batch: Sequence[IndexPassage], batch_vectors: Sequence[Sequence[float]]) -> list[vectorstore.VectorItem]:
        return [
            vectorstore.VectorItem(
                id=item_id(key := ItemKey(source, parent_id, p.index)),
                embedding=v,
                text=p.text,
                metadata=metadata(key, owner_id=owner_id, extra=p.extra),
            )
            for p, v in zip(batch, batch_vectors, strict=True)
        ]

    size = settings.EMBED_BATCH_SIZE
    batches = [passages[i : i + size] for i in range(0, len(passages), size)]
    if vectors is not None:
        vector_batches: Iterator[Sequence[Sequence[float]]] = iter(
            [vectors[i : i + size] for i in range(0, len(vectors), size)]
        )
    else:
        vector_batches = iter(embedder(owner_id, gen).embed_iter([p.text for p in passages], batch_size=size))

    def written(batch: Sequence[IndexPassage]) -> None:
        nonlocal done
        CHUNKS_INDEXED.labels(source).inc(len(batch))
        done += len(batch)
        if on_progress is not None:
            try:
                on_progress(done, total)
            except KeepWritten:
                raise
            except BaseException:
                collection.delete(where=parent_filter(source, parent_id))
                raise

    if not OVERLAP_WRITES:
        for batch, batch_vectors in zip(batches, vector_batches, strict=True):
            collection.upsert(items(batch, batch_vectors))
            written(batch)
        return
    # One write in flight while the next batch is embedded: the embedder gets its next request at once.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="upsert") as writer:
        pending: tuple[Future[None], Sequence[IndexPassage]] | None = None
        for batch, batch_vectors in zip(batches, vector_batches, strict=True):
            if pending is not None:
                pending[0].result()
                written(pending[1])
            pending = (writer.submit(collection.upsert, items(batch, batch_vectors)), batch)
        if pending is not None:
            pending[0].result()
            written(pending[1])


def remove(*, source: Source, parent_id: int, owner_id: int | None) -> None:
    """Take one document or note out of every written generation (owner unknown: out of every owner's collection)."""
    for gen in generations.written(name()):
        collections = [gen.collection(owner_id)] if owner_id is not None else list(gen.owner_collections().values())
        for collection in collections:
            collection.delete(where=parent_filter(source, parent_id))


def search(
    vector: Sequence[float],
    *,
    owner_id: int,
    k: int,
    document_ids: list[int] | None,
    note_ids: list[int] | None,
    generation: Gen | None = None,
) -> list[tuple[ItemKey, float]]:
    """The owner's k nearest passages as (key, cosine score), nearest first: only their collection is searched.

    generation: the one the vector was made for (default: the live one; pass the generation whose
    embedder made the vector, so a switch between embedding and searching cannot mix spaces).

    Both None: everything of the owner's; otherwise only the listed documents and notes (None or an
    empty list: none of that kind).
    """
    any_of: list[Filter] = []
    if document_ids is not None or note_ids is not None:
        if document_ids:
            any_of.append(parent_filter("document", document_ids))
        if note_ids:
            any_of.append(parent_filter("note", note_ids))
        if not any_of:
            return []  # Chroma refuses an empty "$in": nothing in scope means nothing to find
    hits = (generation or live_generation()).collection(owner_id).query(vector, k=k, any_of=any_of)
    return [(key, hit.score) for hit in hits if (key := key_of(hit.metadata)) is not None]
