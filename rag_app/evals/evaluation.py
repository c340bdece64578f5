"""Q&A evaluation metrics: recall@k, MRR, citation correctness, refusal accuracy; pure functions.

The golden file has one JSON object a line: {"question", "expected_source", "support"}.
expected_source is the title (file name) of the document that answers the question, or null for a
question the material does not answer, which should be refused; support is a phrase of the right
passage, which a correct citation contains.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar

from rag_app.qa.verification import sentences, words
from rag_app.qa.verification.passages import Passage

# The system's own refusal (prompts.NOT_FOUND) and the prompt's instruction to the model both use it.
REFUSAL_PHRASE = "could not find"


@dataclass(frozen=True)
class GoldenQuestion:
    """One line of a golden file."""

    question: str
    expected_source: str | None
    support: str | None
    split: str = "tune"  # "held_out": kept out of tuning (rag_app/evals/golden/generate.py)

    @property
    def off_topic(self) -> bool:
        """The material does not answer it: it should be refused."""
        return self.expected_source is None


def on_topic_questions(path: Path) -> list[str]:
    """The on-topic questions of a golden file; ValueError naming the file if unreadable, malformed or empty."""
    try:
        golden = parse_golden(path.read_text(encoding="utf-8").splitlines())
    except (OSError, ValueError) as exc:
        raise ValueError(f"{path}: {exc}") from exc
    questions = [q.question for q in golden if not q.off_topic]
    if not questions:
        raise ValueError(f"{path}: no on-topic questions.")
    return questions


def parse_golden(lines: Iterable[str]) -> list[GoldenQuestion]:
    """The questions of a golden file; ValueError naming the line for anything malformed."""
    questions = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"line {number}: not JSON ({exc.msg})") from None
        if not isinstance(row, dict) or not isinstance(row.get("question"), str) or not row["question"].strip():
            raise ValueError(f'line {number}: needs an object with a non-empty "question"')
        source, support = row.get("expected_source"), row.get("support")
        if source is not None and not (isinstance(source, str) and source):
            raise ValueError(f'line {number}: "expected_source" must be a file name or null')
        if support is not None and not isinstance(support, str):
            raise ValueError(f'line {number}: "support" must be text or null')
        split = row.get("split", "tune")
        if split not in ("tune", "held_out"):
            raise ValueError(f'line {number}: "split" must be "tune" or "held_out"')
        questions.append(GoldenQuestion(row["question"].strip(), source, support or None, split))
    if not questions:
        raise ValueError("no questions")
    return questions


def rank_of(expected: str, titles: Sequence[str]) -> int | None:
    """1-based position of the first retrieved passage from the expected source (None: not retrieved)."""
    for position, title in enumerate(titles, start=1):
        if title == expected or title == f"Note: {expected}":
            return position
    return None


def recall_at_k(ranks: Sequence[int | None], k: int) -> float:
    """Share of questions whose expected source is among the first k passages."""
    return sum(1 for r in ranks if r is not None and r <= k) / len(ranks) if ranks else 0.0


def mean_reciprocal_rank(ranks: Sequence[int | None]) -> float:
    """Mean of 1/rank of the expected source (0 when it was not retrieved)."""
    return sum(1 / r for r in ranks if r) / len(ranks) if ranks else 0.0


def _normal(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()


def contains_support(text: str, support: str) -> bool:
    """The passage contains the support phrase (ignoring case and runs of whitespace)."""
    return _normal(support) in _normal(text)


def citation_correct(citations: Sequence[Mapping[str, Any]], support: str) -> bool:
    """A passage the answer cites ([n] in its text) contains the support."""
    return any(c.get("cited") and contains_support(str(c.get("text", "")), support) for c in citations)


def support_given(citations: Sequence[Mapping[str, Any]], support: str) -> bool:
    """A passage given to the model, cited or not, contains the support."""
    return any(contains_support(str(c.get("text", "")), support) for c in citations)


def refused(text: str, citations: Sequence[Mapping[str, Any]]) -> bool:
    """The answer declines: no passages reached the model, or the reply says it could not find it."""
    return not citations or REFUSAL_PHRASE in text.casefold()


def ratio(hits: Sequence[bool]) -> float:
    """Share of True (0 for none)."""
    return sum(hits) / len(hits) if hits else 0.0


class Ranked(Protocol):
    """What the threshold simulation needs of a retrieval candidate (rag_app.qa.retrieval.Candidate)."""

    @property
    def vector_score(self) -> float | None: ...

    @property
    def keyword_coverage(self) -> float | None: ...


C = TypeVar("C", bound=Ranked)


def sources_at_threshold(
    candidates: Sequence[C], threshold: float, k: int, *, keyword_min_coverage: float | None
) -> list[C]:
    """The sources retrieve() would give at another RETRIEVAL_MIN_SCORE, from one run's candidates.

    Candidates come best first (fused rank); one below the threshold is left out unless it holds at
    least keyword_min_coverage of the question's words (as in retrieve()); with None, every passage
    needs the vector score (a what-if, for tuning). Exact when every candidate exists in the database.
    """
    kept = [
        c
        for c in candidates
        if (keyword_min_coverage is not None and (c.keyword_coverage or 0.0) >= keyword_min_coverage)
        or (c.vector_score or 0.0) >= threshold
    ]
    return kept[:k]


def repeats_a_sentence(text: str) -> bool:
    """The text says the same sentence (of three words or more) twice."""
    seen: set[str] = set()
    for sentence in sentences.split(text):
        key = " ".join(re.findall(r"[^\W_]+", sentence.lower()))
        if len(key.split()) >= 3:
            if key in seen:
                return True
            seen.add(key)
    return False


def numbers_unsupported(text: str, citations: Sequence[Mapping[str, Any]]) -> tuple[int, int]:
    """(numbers the text states that no given passage has, numbers it states), units included."""
    given = [Passage(int(c.get("n", 0)), str(c.get("text", ""))) for c in citations]
    stated = [f for s in sentences.split(words.strip_marks(text)) for f in words.facts(s) if f.kind == "number"]
    return sum(1 for f in stated if not any(p.has(f) for p in given)), len(stated)
