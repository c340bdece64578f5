"""Retrieval at scale: recall@k against exact search and query latency, for the shared and per-owner layouts.

Synthetic 384-d vectors (a Gaussian mixture, so neighbourhoods look like embeddings of related text, and
owners share topics as users of one instance do) are written through the app's own vector store; every
query is answered by Chroma and by exact numpy search over the same owner's vectors.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from tqdm import tqdm

from rag_app import vectorstore
from rag_app.index import service as index
from rag_app.vectorstore import VectorItem

DIMENSION = 384
CHROMA_DEFAULT_HNSW: dict[str, int] = {}  # Chroma's defaults (16/100/100): what the app's shared collection had

# layout -> (HNSW settings, one collection per owner?)
LAYOUTS: dict[str, tuple[dict[str, int] | None, bool]] = {
    "shared-default": (CHROMA_DEFAULT_HNSW, False),
    "shared": (None, False),  # the app's tuned HNSW, one collection filtered by owner
    "per-owner": (None, True),  # the app's layout now: a collection per owner, tuned HNSW
}


@dataclass(frozen=True)
class Dataset:
    """Unit vectors, the owner of each, and the queries (each with the owner who asks)."""

    vectors: np.ndarray
    owners: np.ndarray
    queries: np.ndarray
    askers: np.ndarray

    def owner_sizes(self) -> dict[int, int]:
        """How many vectors each owner has."""
        ids, counts = np.unique(self.owners, return_counts=True)
        return {int(i): int(c) for i, c in zip(ids, counts, strict=True)}


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


def owner_counts(n: int, owners: int, *, uneven: bool) -> list[int]:
    """How many of n vectors each owner gets: equal shares, or Zipf-like (owner i gets ~1/(i+1))."""
    weights = np.array([1.0 / (i + 1) if uneven else 1.0 for i in range(owners)])
    counts = np.floor(weights / weights.sum() * n).astype(int)
    counts = np.maximum(counts, 1)
    counts[0] += n - counts.sum()
    return [int(c) for c in counts]


def dataset(n: int, owners: int, *, queries: int, uneven: bool, seed: int = 0, spread: float = 1.0) -> Dataset:
    """A dataset: n vectors split among owners (ids 1..owners), and queries spread evenly over the owners.

    Points are cluster centres plus noise of `spread` times their scale: 1 looks like embeddings of
    related passages (same-topic cosine ~0.5); 0 is the hardest case, no clusters (uniform on the sphere).
    """
    rng = np.random.default_rng(seed)
    clusters = max(16, n // 500)
    centres = rng.standard_normal((clusters, DIMENSION)).astype(np.float32) * (1.0 if spread else 0.0)
    noise = spread or 1.0

    def draw(count: int) -> np.ndarray:
        offsets = rng.standard_normal((count, DIMENSION)).astype(np.float32) * noise
        points = centres[rng.integers(0, clusters, count)] + offsets
        unit: np.ndarray = points / np.linalg.norm(points, axis=1, keepdims=True)
        return unit

    counts = owner_counts(n, owners, uneven=uneven)
    owner_of = np.repeat(np.arange(1, owners + 1), counts)
    rng.shuffle(owner_of)
    askers = np.array([1 + i % owners for i in range(queries)])
    return Dataset(vectors=draw(n), owners=owner_of, queries=draw(queries), askers=askers)


def exact_top(data: Dataset, query: np.ndarray, owner: int, k: int) -> set[str]:
    """The ids of the owner's k nearest vectors by cosine, found exhaustively."""
    mine = np.flatnonzero(data.owners == owner)
    scores = data.vectors[mine] @ query
    best = mine[np.argsort(-scores)[:k]]
    return {str(i) for i in best}


def _items(data: Dataset, start: int, stop: int) -> list[VectorItem]:
    return [
        VectorItem(
            id=str(i),
            embedding=data.vectors[i].tolist(),
            text="x",
            metadata={"source": "document", "owner_id": int(data.owners[i]), "document_id": i // 50, "index": i % 50},
        )
        for i in range(start, stop)
    ]


def run_layout(layout: str, data: Dataset, *, name: str, k: int, progress: bool = True) -> LayoutResult:
    """Insert the dataset in one layout, query it, measure; the collections are left for the caller to drop."""
    hnsw, per_owner = LAYOUTS[layout]
    shared = vectorstore.collection(name, hnsw=hnsw)
    batch = 1000
    bar = tqdm(total=len(data.vectors), desc=f"{layout} insert", unit="vec", disable=not progress, leave=False)
    started = time.perf_counter()
    with index.using(name):
        for start in range(0, len(data.vectors), batch):
            items = _items(data, start, min(start + batch, len(data.vectors)))
            if per_owner:
                by_owner: dict[int, list[VectorItem]] = {}
                for item in items:
                    by_owner.setdefault(int(item.metadata["owner_id"]), []).append(item)
                for owner, mine in by_owner.items():
                    index.live(owner).upsert(mine)
            else:
                shared.upsert(items)
            bar.update(len(items))
        insert_s = time.perf_counter() - started
        bar.close()

        def ask(q: np.ndarray, owner: int) -> list[str]:
            if per_owner:  # what index.search does: the owner's collection, no owner filter
                return [h.id for h in index.live(owner).query(q.tolist(), k=k)]
            return [h.id for h in shared.query(q.tolist(), k=k, where={"owner_id": owner})]

        for owner in sorted({int(a) for a in data.askers}):  # load each index into the server's memory
            ask(data.queries[0], owner)
        recalls: list[float] = []
        latencies: list[float] = []
        by_asker: dict[int, list[float]] = {}
        for q, owner in tqdm(
            zip(data.queries, data.askers, strict=True),
            total=len(data.queries),
            desc=f"{layout} query",
            disable=not progress,
            leave=False,
        ):
            t0 = time.perf_counter()
            found = ask(q, int(owner))
            latencies.append((time.perf_counter() - t0) * 1000)
            truth = exact_top(data, q, int(owner), k)
            recall = len(truth & set(found)) / len(truth)
            recalls.append(recall)
            by_asker.setdefault(int(owner), []).append(recall)
    sizes = data.owner_sizes()
    smallest = min(sizes, key=lambda o: sizes[o])
    return LayoutResult(
        layout=layout,
        vectors=len(data.vectors),
        owners=len(sizes),
        collections=len(sizes) if per_owner else 1,
        insert_s=round(insert_s, 2),
        inserts_per_s=round(len(data.vectors) / insert_s, 1),
        queries=len(recalls),
        recall_mean=round(statistics.fmean(recalls), 4),
        recall_min=round(min(recalls), 2),
        recall_smallest_owner=round(statistics.fmean(by_asker.get(smallest, [float("nan")])), 4),
        p50_ms=round(float(np.percentile(latencies, 50)), 2),
        p95_ms=round(float(np.percentile(latencies, 95)), 2),
        hnsw=dict(vectorstore.HNSW if hnsw is None else hnsw),
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
