"""Write parents' stored passages into one generation, embedded by its own embedder, skipping what it holds."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from django.conf import settings

from rag_app import vectorstore
from rag_app.index import service, sources
from rag_app.index.generations import Gen
from rag_app.index.items import IndexPassage, ItemKey, Source, item_id, metadata
from rag_app.metrics import CHUNKS_INDEXED


@dataclass(frozen=True)
class Pending:
    """One passage to write into a generation."""

    source: Source
    parent_id: int
    owner_id: int
    passage: IndexPassage

    @property
    def id(self) -> str:
        return item_id(ItemKey(self.source, self.parent_id, self.passage.index))

    def item(self, vector: Sequence[float]) -> vectorstore.VectorItem:
        key = ItemKey(self.source, self.parent_id, self.passage.index)
        return vectorstore.VectorItem(
            id=self.id,
            embedding=vector,
            text=self.passage.text,
            metadata=metadata(key, owner_id=self.owner_id, extra=self.passage.extra),
        )


def pending(gen: Gen, source: Source, parent_ids: list[int], stored: set[str]) -> tuple[list[Pending], int]:
    """The parents' stored passages that gen does not hold yet, and how many it already holds."""
    kind = sources.get(source)
    if kind.passages is None:
        raise RuntimeError(f"the {source} source cannot list its stored passages")
    todo: list[Pending] = []
    held = 0
    for parent_id, (owner_id, passages) in kind.passages(parent_ids).items():
        for p in passages:
            one = Pending(source, parent_id, owner_id, p)
            if one.id in stored:
                held += 1
            else:
                todo.append(one)
    return todo, held


def write(gen: Gen, todo: Sequence[Pending], *, on_batch: Callable[[int], None] | None = None) -> int:
    """Embed todo with gen's embedder, batch by batch, each batch written while the next is embedded.

    on_batch(n) hears each written batch's size (the caller checkpoints there). Returns how many were written.
    """
    if not todo:
        return 0
    size = settings.EMBED_BATCH_SIZE
    owners = {p.owner_id for p in todo}
    model = service.embedder(min(owners), gen)  # the fingerprint check of one collection ...
    for owner in owners - {min(owners)}:
        service.embedder(owner, gen)  # ... and of every other owner's (cached: one probe per endpoint)
    batches = [todo[i : i + size] for i in range(0, len(todo), size)]
    vectors: Iterator[list[list[float]]] = model.embed_iter([p.passage.text for p in todo], batch_size=size)
    written = 0
    with ThreadPoolExecutor(1, thread_name_prefix="fill-upsert") as pool:
        last: tuple[Future[None], Sequence[Pending]] | None = None
        for batch, batch_vectors in zip(batches, vectors, strict=True):
            if last is not None:
                last[0].result()
                written += _report(on_batch, last[1])
            last = (pool.submit(_upsert, gen, batch, batch_vectors), batch)
        if last is not None:
            last[0].result()
            written += _report(on_batch, last[1])
    return written


def _report(on_batch: Callable[[int], None] | None, batch: Sequence[Pending]) -> int:
    CHUNKS_INDEXED.labels(batch[0].source).inc(len(batch))
    if on_batch is not None:
        on_batch(len(batch))
    return len(batch)


def _upsert(gen: Gen, batch: Sequence[Pending], batch_vectors: Sequence[Sequence[float]]) -> None:
    by_owner: dict[int, list[vectorstore.VectorItem]] = defaultdict(list)
    for p, v in zip(batch, batch_vectors, strict=True):
        by_owner[p.owner_id].append(p.item(v))
    for owner_id, items in by_owner.items():
        gen.collection(owner_id).upsert(items)


def fill(gen: Gen, source: Source, parent_ids: list[int]) -> int:
    """Write the parents' passages that gen lacks (reconcile's repair of a generation that is not live)."""
    stored: set[str] = set()
    for collection in gen.owner_collections().values():
        stored |= collection.stored_ids()
    todo, _ = pending(gen, source, parent_ids, stored)
    return write(gen, todo)
