"""Retrieval at scale: recall@k against exact search and query latency, for the shared and per-owner layouts.

Synthetic 384-d vectors (a Gaussian mixture, so neighbourhoods look like embeddings of related text, and
owners share topics as users of one instance do) are streamed a block at a time through the app's own
vector store; the exact top-k of every query over its owner's vectors is kept up to date from the same
blocks, so memory stays bounded by a block and the queries whatever the size (1M vectors and more).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from tqdm import tqdm

from rag_app import vectorstore
from rag_app.index import service as index
from rag_app.vectorstore import Collection, VectorItem

DIMENSION = 384
BLOCK = 10_000  # vectors generated, exactly scored and inserted at a time (about 15 MB as float32)
CHROMA_DEFAULT_HNSW: dict[str, int] = {}  # Chroma's defaults (16/100/100): what the app's shared collection had

# layout -> (HNSW settings, one collection per owner?)
LAYOUTS: dict[str, tuple[dict[str, int] | None, bool]] = {
    "shared-default": (CHROMA_DEFAULT_HNSW, False),
    "shared": (None, False),  # the app's tuned HNSW, one collection filtered by owner
    "per-owner": (None, True),  # the app's layout now: a collection per owner, tuned HNSW
}


@dataclass(frozen=True)
class Block:
    """Consecutive vectors starting at id `start`, and the owner of each."""

    start: int
    vectors: np.ndarray
    owners: np.ndarray


@dataclass(frozen=True)
class Dataset:
    """Unit vectors, the owner of each, and the queries (each with the owner who asks), all in memory."""

    vectors: np.ndarray
    owners: np.ndarray
    queries: np.ndarray
    askers: np.ndarray

    def owner_sizes(self) -> dict[int, int]:
        """How many vectors each owner has."""
        ids, counts = np.unique(self.owners, return_counts=True)
        return {int(i): int(c) for i, c in zip(ids, counts, strict=True)}


class Synthetic:
    """n vectors among owners (ids 1..owners), generated a block at a time, and queries spread over the owners.

    Points are cluster centres plus noise of `spread` times their scale: 1 looks like embeddings of
    related passages (same-topic cosine ~0.5); 0 is the hardest case, no clusters (uniform on the sphere).
    Every block comes from its own seed, so a stream can be replayed without having been kept.
    """

    def __init__(
        self, n: int, owners: int, *, queries: int, uneven: bool, seed: int = 0, spread: float = 1.0, block: int = BLOCK
    ) -> None:
        self.n, self.owners, self.seed, self.block = n, owners, seed, block
        rng = np.random.default_rng([seed, 0])
        self.clusters = max(16, n // 500)
        self.centres = rng.standard_normal((self.clusters, DIMENSION)).astype(np.float32) * (1.0 if spread else 0.0)
        self.noise = spread or 1.0
        weights = np.array([1.0 / (i + 1) if uneven else 1.0 for i in range(owners)])
        self.weights = weights / weights.sum()
        self.queries = self._draw(rng, queries)
        self.askers = np.array([1 + i % owners for i in range(queries)])

    def _draw(self, rng: np.random.Generator, count: int) -> np.ndarray:
        offsets = rng.standard_normal((count, DIMENSION)).astype(np.float32) * self.noise
        points = self.centres[rng.integers(0, self.clusters, count)] + offsets
        unit: np.ndarray = points / np.linalg.norm(points, axis=1, keepdims=True)
        return unit

    def blocks(self) -> Iterator[Block]:
        """The vectors, a block at a time, the same on every call."""
        for number, start in enumerate(range(0, self.n, self.block)):
            rng = np.random.default_rng([self.seed, 1, number])
            count = min(self.block, self.n - start)
            owners = 1 + rng.choice(self.owners, size=count, p=self.weights)
            yield Block(start, self._draw(rng, count), owners)


def dataset(
    n: int, owners: int, *, queries: int, uneven: bool, seed: int = 0, spread: float = 1.0, block: int = BLOCK
) -> Dataset:
    """The whole of a small Synthetic stream in memory (tests)."""
    stream = Synthetic(n, owners, queries=queries, uneven=uneven, seed=seed, spread=spread, block=block)
    blocks = list(stream.blocks())
    return Dataset(
        vectors=np.concatenate([b.vectors for b in blocks]),
        owners=np.concatenate([b.owners for b in blocks]),
        queries=stream.queries,
        askers=stream.askers,
    )


def exact_top(data: Dataset, query: np.ndarray, owner: int, k: int) -> set[str]:
    """The ids of the owner's k nearest vectors by cosine, found exhaustively over data in memory."""
    mine = np.flatnonzero(data.owners == owner)
    scores = data.vectors[mine] @ query
    best = mine[np.argsort(-scores)[:k]]
    return {str(i) for i in best}


class ExactTop:
    """Each query's exact k nearest among its owner's vectors, updated block by block (memory: queries x k)."""

    def __init__(self, queries: np.ndarray, askers: np.ndarray, k: int) -> None:
        self.queries, self.k = queries, k
        self.scores = np.full((len(queries), k), -np.inf, dtype=np.float32)
        self.ids = np.full((len(queries), k), -1, dtype=np.int64)
        self.by_owner = {int(o): np.flatnonzero(askers == o) for o in np.unique(askers)}

    def add(self, block: Block) -> None:
        """Merge a block's vectors into every query's running top k."""
        for owner, asked in self.by_owner.items():
            mine = np.flatnonzero(block.owners == owner)
            if not mine.size:
                continue
            scores = np.concatenate([self.scores[asked], self.queries[asked] @ block.vectors[mine].T], axis=1)
            ids = np.concatenate(
                [self.ids[asked], np.broadcast_to(block.start + mine, (len(asked), mine.size))], axis=1
            )
            best = np.argpartition(-scores, self.k - 1, axis=1)[:, : self.k]
            self.scores[asked] = np.take_along_axis(scores, best, axis=1)
            self.ids[asked] = np.take_along_axis(ids, best, axis=1)

    def truth(self, query: int) -> set[str]:
        """The ids of query number `query`'s exact top k (fewer if its owner has fewer vectors)."""
        return {str(i) for i in self.ids[query] if i >= 0}


@dataclass
class LayoutResult:
    """One layout's figures at one size."""

    layout: str
    vectors: int
    owners: int
    collections: int
    insert_s: float
    inserts_per_s: float
    queries: int
    recall_mean: float
    recall_min: float
    recall_smallest_owner: float  # mean over the queries of the owner with fewest vectors
    p50_ms: float
    p95_ms: float
    owner_sizes: dict[int, int] = field(default_factory=dict)
    skipped: int = 0  # vectors an interrupted run had stored already (not timed here)
    hnsw: dict[str, int] = field(default_factory=dict)

    def row(self) -> str:
        """One line of the printed table."""
        return (
            f"{self.layout:<15} {self.vectors:>9} {self.collections:>5} {self.inserts_per_s:>9.0f} "
            f"{self.recall_mean:>8.4f} {self.recall_min:>6.2f} {self.recall_smallest_owner:>8.4f} "
            f"{self.p50_ms:>7.1f} {self.p95_ms:>7.1f}"
        )

    def to_dict(self) -> dict[str, Any]:
        """For the JSON report."""
        return asdict(self)


HEADER = (
    f"{'layout':<15} {'vectors':>9} {'colls':>5} {'insert/s':>9} {'recall':>8} {'min':>6} {'smallest':>8} "
    f"{'p50 ms':>7} {'p95 ms':>7}"
)


def _items(block: Block, rows: np.ndarray) -> list[VectorItem]:
    vectors = block.vectors[rows].tolist()
    return [
        VectorItem(
            id=str(i := block.start + int(row)),
            embedding=vector,
            text="x",
            metadata={
                "source": "document",
                "owner_id": int(block.owners[row]),
                "document_id": i // 50,
                "index": i % 50,
            },
        )
        for row, vector in zip(rows, vectors, strict=True)
    ]


def stored(layout: str, name: str) -> int:
    """How many vectors a layout's collections under name hold already (what an interrupted run wrote)."""
    with index.using(name):
        if LAYOUTS[layout][1]:
            return sum(c.count() for c in index.owner_collections().values())
        return index.legacy().count() if name in vectorstore.collection_names(name) else 0


def run_layout(
    layout: str,
    data: Synthetic,
    *,
    name: str,
    k: int,
    progress: bool = True,
    writers: int = 4,
    checkpoints: Sequence[int] = (),
    on_result: Callable[[LayoutResult], None] | None = None,
) -> LayoutResult:
    """Stream the vectors into one layout (writers upserts in flight), query it, measure; the caller drops it.

    At every checkpoint (a count of vectors) and at the end the queries are asked and scored against the
    exact top-k of the vectors inserted so far; on_result hears each result. Blocks that an interrupted
    run under the same name stored already are not written again (their exact top-k is recomputed).
    """
    hnsw, per_owner = LAYOUTS[layout]
    shared = vectorstore.collection(name, hnsw=hnsw)
    exact = ExactTop(data.queries, data.askers, k)
    sizes = dict.fromkeys(range(1, data.owners + 1), 0)
    already = stored(layout, name)
    skip = already // data.block * data.block  # a partly written block is written again (upserts)
    marks = sorted({c for c in checkpoints if 0 < c < data.n} | {data.n})
    inserted, insert_s = 0, 0.0
    result: LayoutResult | None = None
    bar = tqdm(total=data.n, desc=f"{layout} insert", unit="vec", disable=not progress, leave=False)
    with index.using(name), ThreadPoolExecutor(writers) as pool:
        for block in data.blocks():
            exact.add(block)
            owners, counts = np.unique(block.owners, return_counts=True)
            sizes.update({int(o): sizes[int(o)] + int(c) for o, c in zip(owners, counts, strict=True)})
            if block.start >= skip:
                started = time.perf_counter()
                if per_owner:
                    writes = [(index.live(int(o)), np.flatnonzero(block.owners == o)) for o in owners]
                else:  # slices of the block, so the shared collection gets as many requests in flight
                    writes = [(shared, rows) for rows in np.array_split(np.arange(len(block.owners)), writers)]
                list(pool.map(lambda write, block=block: write[0].upsert(_items(block, write[1])), writes))
                insert_s += time.perf_counter() - started
                inserted += len(block.owners)
            bar.update(len(block.owners))
            done = block.start + len(block.owners)
            if done >= marks[0] and done >= already:  # measured only when the index holds just these
                while marks and done >= marks[0]:
                    marks.pop(0)
                result = _measure(layout, data, exact, sizes, shared=None if per_owner else shared, k=k)
                result.vectors, result.skipped = done, min(skip, done)
                result.insert_s = round(insert_s, 2)
                result.inserts_per_s = round(inserted / insert_s, 1) if insert_s else 0.0
                result.hnsw = dict(vectorstore.HNSW if hnsw is None else hnsw)
                if on_result is not None:
                    on_result(result)
            if not marks:
                break
        bar.close()
    assert result is not None
    return result


def _measure(
    layout: str, data: Synthetic, exact: ExactTop, sizes: dict[int, int], *, shared: Collection | None, k: int
) -> LayoutResult:
    """Ask every query (per owner: that owner's collection, as index.search does; shared: filtered by owner)."""

    def ask(q: np.ndarray, owner: int) -> list[str]:
        if shared is None:
            return [h.id for h in index.live(owner).query(q.tolist(), k=k)]
        return [h.id for h in shared.query(q.tolist(), k=k, where={"owner_id": owner})]

    held = {o: c for o, c in sizes.items() if c}
    for owner in sorted({int(a) for a in data.askers} & set(held)):  # load each index into the server's memory
        ask(data.queries[0], owner)
    recalls: list[float] = []
    latencies: list[float] = []
    by_asker: dict[int, list[float]] = {}
    for number, (q, owner) in enumerate(zip(data.queries, data.askers, strict=True)):
        if int(owner) not in held:
            continue
        t0 = time.perf_counter()
        found = ask(q, int(owner))
        latencies.append((time.perf_counter() - t0) * 1000)
        truth = exact.truth(number)
        recall = len(truth & set(found)) / len(truth)
        recalls.append(recall)
        by_asker.setdefault(int(owner), []).append(recall)
    smallest = min(held, key=lambda o: held[o])
    return LayoutResult(
        layout=layout,
        vectors=sum(held.values()),
        owners=len(held),
        collections=len(held) if shared is None else 1,
        insert_s=0.0,
        inserts_per_s=0.0,
        queries=len(recalls),
        recall_mean=round(statistics.fmean(recalls), 4),
        recall_min=round(min(recalls), 2),
        recall_smallest_owner=round(statistics.fmean(by_asker.get(smallest, [float("nan")])), 4),
        p50_ms=round(float(np.percentile(latencies, 50)), 2),
        p95_ms=round(float(np.percentile(latencies, 95)), 2),
        owner_sizes=held,
    )


def drop(name: str) -> None:
    """Remove every collection a run made under name."""
    with index.using(name):
        index.drop_all()


def sizes(values: list[str]) -> Iterator[int]:
    """'10k', '100k', '1m' or a plain number, as counts."""
    for value in values:
        text = value.strip().lower()
        scale = {"k": 1_000, "m": 1_000_000}.get(text[-1:], 1)
        yield int(float(text.rstrip("km")) * scale)
