"""Order retrieval candidates: score-aware fusion, strong vector hits kept, several sources in the first k.

Reciprocal-rank fusion ignores how strong a match is: a passage at cosine 0.51 that keyword search
missed could fall behind weak passages both searches found. Here a candidate scores its cosine plus
a weighted share of the question's words it holds, the best vector hits keep a place in the first k
whatever keyword search says, and the first k come from several documents when several qualify.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rag_app.qa.retrieval import Candidate

RRF_K = 60  # the constant of reciprocal rank fusion (Cormack et al.)


@dataclass(frozen=True)
class Knobs:
    """The fusion settings (RETRIEVAL_*), recorded with each answer."""

    method: str = "score"  # or "rrf"
    keyword_weight: float = 0.25
    keep_vector: int = 2
    min_documents: int = 3
    refusal_floor: float = 0.4

    def as_dict(self) -> dict[str, object]:
        """The recorded form."""
        return asdict(self)


def score(candidates: Sequence[Candidate], knobs: Knobs) -> None:
    """Set each candidate's fused_score."""
    if knobs.method == "rrf":
        for c in candidates:
            c.fused_score = round(sum(1 / (RRF_K + r) for r in (c.vector_rank, c.keyword_rank) if r), 6)
        return
    # A keyword-only hit was not among the nearest vectors, so its cosine is at most the farthest seen.
    seen = [c.vector_score for c in candidates if c.vector_score is not None]
    unseen = min(seen, default=0.0)
    for c in candidates:
        cosine = c.vector_score if c.vector_score is not None else unseen
        c.fused_score = round(cosine + knobs.keyword_weight * (c.keyword_coverage or 0.0), 6)


def answerable(candidates: Sequence[Candidate], knobs: Knobs) -> bool:
    """The best vector hit reaches the refusal floor, or a passage holds every word of the question."""
    best = max((c.vector_score for c in candidates if c.vector_score is not None), default=-1.0)
    return best >= knobs.refusal_floor or any((c.keyword_coverage or 0.0) >= 1.0 for c in candidates)


def arrange(candidates: Sequence[Candidate], k: int, knobs: Knobs) -> list[Candidate]:
    """The candidates best first, their first k rearranged to keep top vector hits and several documents."""
    ranked = sorted(candidates, key=lambda c: (-c.fused_score, c.vector_rank or 10**6))
    if knobs.method == "rrf" or len(ranked) <= k:
        return ranked
    chosen = _diverse(ranked, k, knobs.min_documents)
    by_vector = sorted((c for c in ranked if c.vector_rank is not None), key=lambda c: c.vector_rank or 0)
    for strong in by_vector[: min(knobs.keep_vector, k)]:
        if strong not in chosen:
            chosen[_weakest_replaceable(chosen, by_vector[: knobs.keep_vector])] = strong
    chosen.sort(key=lambda c: (-c.fused_score, c.vector_rank or 10**6))
    return chosen + [c for c in ranked if c not in chosen]


def _diverse(ranked: list[Candidate], k: int, min_documents: int) -> list[Candidate]:
    """The first k in order, except that the last places go to documents not yet chosen when needed."""
    chosen: list[Candidate] = []
    parents: set[tuple[str, int]] = set()
    for i, c in enumerate(ranked):
        if len(chosen) == k:
            break
        parent = (str(c.key[0]), c.key[1])
        wanted = min(min_documents, len(parents) + len({(str(x.key[0]), x.key[1]) for x in ranked[i:]} - parents))
        if parent not in parents or k - len(chosen) > wanted - len(parents):
            chosen.append(c)
            parents.add(parent)
    for c in ranked:  # fewer qualifying documents than places: fill up in order
        if len(chosen) == k:
            break
        if c not in chosen:
            chosen.append(c)
    return chosen


def _weakest_replaceable(chosen: list[Candidate], protected: list[Candidate]) -> int:
    """The index of the lowest-scored chosen candidate that is not itself a protected vector hit."""
    for i in range(len(chosen) - 1, -1, -1):
        if chosen[i] not in protected:
            return i
    return len(chosen) - 1
