"""The same questions against two index generations: recall@k, MRR and top-k overlap, to decide a switch."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from django.db.models import Q

from documents.models import Document
from rag_app.evals import evaluation
from rag_app.index.items import ItemKey
from rag_app.qa.models import Answer, BatchQuestion, QuestionBatch

GOLDEN_FILE = Path(__file__).resolve().parent / "golden" / "golden.jsonl"
SOURCES = ("golden", "batch", "recent")


@dataclass(frozen=True)
class CheckQuestion:
    """A question to ask both generations, whose material it is, and the documents that answer it."""

    text: str
    owner_id: int
    expected_document_ids: frozenset[int]  # empty: unknown (the question still counts for overlap)


Search = Callable[[CheckQuestion, int], list[tuple[ItemKey, float]]]  # (question, k) -> hits, nearest first


@dataclass
class GenerationScore:
    """How one generation did: None when no question has expected documents."""

    recall_at_k: float | None
    mrr: float | None
    hits: int  # questions whose expected documents were found in the top k


@dataclass
class SideBySide:
    """Both generations' scores on the same questions, and how much their top k agree."""

    k: int
    n: int
    old: GenerationScore
    new: GenerationScore
    overlap_at_k: float

    def lines(self) -> list[str]:
        """A small aligned table for the command and the admin."""
        rows = [
            f"{'':<12}{'old':>8}{'new':>8}{'change':>9}",
            _row(f"recall@{self.k}", self.old.recall_at_k, self.new.recall_at_k),
            _row("MRR", self.old.mrr, self.new.mrr),
            f"{'hits':<12}{self.old.hits:>8}{self.new.hits:>8}{self.new.hits - self.old.hits:>+9}",
            f"overlap@{self.k} of the two top {self.k}: {self.overlap_at_k:.3f} (mean Jaccard, {self.n} questions)",
        ]
        if self.old.recall_at_k is None:
            rows.append("no question has expected documents: only the overlap can be compared")
        return rows

    def worse_by(self, margin: float) -> bool:
        """Whether the new generation's recall or MRR is lower than the old one's by more than margin."""
        pairs = ((self.old.recall_at_k, self.new.recall_at_k), (self.old.mrr, self.new.mrr))
        # the tolerance keeps 0.90 - 0.85 from counting as more than a 0.05 margin
        return any(old is not None and new is not None and old - new > margin + 1e-9 for old, new in pairs)


def _row(label: str, old: float | None, new: float | None) -> str:
    def cell(value: float | None) -> str:
        return "-" if value is None else f"{value:.3f}"

    change = "-" if old is None or new is None else f"{new - old:+.3f}"
    return f"{label:<12}{cell(old):>8}{cell(new):>8}{change:>9}"


def check_questions(
    source: str, *, owner_id: int | None = None, batch_id: int | None = None, limit: int = 50
) -> list[CheckQuestion]:
    """The questions of a source, at most limit of them.

    "golden": the golden set's on-topic questions whose expected file is one of owner_id's documents
    (by title or file name, as eval_qa matches them); "batch": the questions of batch_id, in order;
    "recent": the last distinct questions asked (of owner_id's, if given). For "batch" and "recent" the
    expected documents are the ones the question's latest answer cited (empty when it cited none).
    """
    if limit < 1:
        raise ValueError("limit must be at least 1")
    if source == "golden":
        if owner_id is None:
            raise ValueError("the golden questions need an owner whose documents they are asked against")
        return _golden(owner_id, limit)
    if source == "batch":
        if batch_id is None:
            raise ValueError("the batch questions need a batch id")
        return _batch(batch_id, owner_id, limit)
    if source == "recent":
        return _recent(owner_id, limit)
    raise ValueError(f"unknown question source {source!r}: use one of {', '.join(SOURCES)}")


def _golden(owner_id: int, limit: int) -> list[CheckQuestion]:
    golden = evaluation.parse_golden(GOLDEN_FILE.read_text(encoding="utf-8").splitlines())
    names = {q.expected_source for q in golden if q.expected_source}
    ids: dict[str, set[int]] = {}
    rows = Document.objects.filter(Q(title__in=names) | Q(original_name__in=names), owner_id=owner_id)
    for pk, title, original_name in rows.values_list("pk", "title", "original_name"):
        for name in {title, original_name} & names:
            ids.setdefault(name, set()).add(pk)
    questions = [
        CheckQuestion(q.question, owner_id, frozenset(ids[q.expected_source]))
        for q in golden
        if q.expected_source in ids
    ]
    return questions[:limit]


def _cited(citations: Iterable[object]) -> frozenset[int]:
    """The documents an answer cited."""
    return frozenset(
        int(c["document_id"])
        for c in citations
        if isinstance(c, dict) and c.get("cited") and isinstance(c.get("document_id"), int)
    )


def _batch(batch_id: int, owner_id: int | None, limit: int) -> list[CheckQuestion]:
    batches = QuestionBatch.objects.filter(pk=batch_id)
    if owner_id is not None:
        batches = batches.filter(owner_id=owner_id)
    if not batches.exists():
        raise ValueError(f"no question batch {batch_id}" + ("" if owner_id is None else f" of user {owner_id}"))
    rows = BatchQuestion.objects.filter(batch_id=batch_id).select_related("answer").order_by("position")
    return [
        CheckQuestion(row.answer.question, row.answer.owner_id, _cited(row.answer.citations)) for row in rows[:limit]
    ]


def _recent(owner_id: int | None, limit: int) -> list[CheckQuestion]:
    answers = Answer.objects.exclude(question="").order_by("-created_at", "-pk")
    if owner_id is not None:
        answers = answers.filter(owner_id=owner_id)
    seen: dict[tuple[int, str], CheckQuestion] = {}
    for question, owner, citations in answers.values_list("question", "owner_id", "citations").iterator():
        key = (owner, question.strip())
        if key not in seen:  # newest first: the latest answer's citations stand for the question
            seen[key] = CheckQuestion(key[1], owner, _cited(citations or []))
            if len(seen) >= limit:
                break
    return list(seen.values())


def _rank(hits: Sequence[tuple[ItemKey, float]], expected: frozenset[int]) -> int | None:
    """1-based position of the first hit from an expected document (None: none in the hits)."""
    for position, (key, _score) in enumerate(hits, start=1):
        if key.source == "document" and key.parent_id in expected:
            return position
    return None


def _score(ranks: list[int | None], k: int) -> GenerationScore:
    if not ranks:
        return GenerationScore(recall_at_k=None, mrr=None, hits=0)
    return GenerationScore(
        recall_at_k=evaluation.recall_at_k(ranks, k),
        mrr=evaluation.mean_reciprocal_rank(ranks),
        hits=sum(1 for r in ranks if r is not None),
    )


def _jaccard(a: Sequence[tuple[ItemKey, float]], b: Sequence[tuple[ItemKey, float]]) -> float:
    left, right = {key for key, _ in a}, {key for key, _ in b}
    union = left | right
    return len(left & right) / len(union) if union else 1.0


def compare(questions: Sequence[CheckQuestion], old: Search, new: Search, *, k: int = 10) -> SideBySide:
    """Ask every question of both searches and score their top k side by side."""
    if k < 1:
        raise ValueError("k must be at least 1")
    old_ranks: list[int | None] = []
    new_ranks: list[int | None] = []
    overlaps: list[float] = []
    for question in questions:
        old_hits, new_hits = old(question, k)[:k], new(question, k)[:k]
        overlaps.append(_jaccard(old_hits, new_hits))
        if question.expected_document_ids:
            old_ranks.append(_rank(old_hits, question.expected_document_ids))
            new_ranks.append(_rank(new_hits, question.expected_document_ids))
    return SideBySide(
        k=k,
        n=len(questions),
        old=_score(old_ranks, k),
        new=_score(new_ranks, k),
        overlap_at_k=sum(overlaps) / len(overlaps) if overlaps else 0.0,
    )
