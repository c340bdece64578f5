"""The passages' own sentences that best answer a question: what the fallback quotes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

from rag_app.qa.verification import words
from rag_app.qa.verification.passages import Given, Passage, Vectors, read

MAX_QUOTE_CHARS = 400
_SENTENCE_WEIGHT = 0.7  # the quoted sentence's own words count more than its passage's


@dataclass(frozen=True)
class Quote:
    """A sentence of passage n, and how well it answers the question (0..1)."""

    n: int
    text: str
    score: float

    def as_dict(self) -> dict[str, object]:
        """The stored form."""
        return asdict(self)


def best(question: str, given: Sequence[Given], *, vectors: Vectors, limit: int = 2, ratio: float = 0.8) -> list[Quote]:
    """Up to limit sentences from the passages, best first; a second only if it scores >= ratio of the first.

    A sentence scores by the share of the question's words in it (and in its passage), averaged with
    its meaning's closeness to the question when there is an embedder.
    """
    wanted = set(words.content_stems(question))
    passages = read(given)
    candidates = [(p, s) for p in passages for s in p.sentences if _quotable(s)]
    vectors.load([question] + [s for _, s in candidates])
    scored = sorted(
        (Quote(p.n, s, round(_score(wanted, question, p, s, vectors), 3)) for p, s in candidates),
        key=lambda q: (-q.score, q.n),
    )
    if not scored or scored[0].score <= 0:
        return []
    chosen = [scored[0]]
    for quote in scored[1:]:
        if len(chosen) == limit or quote.score < ratio * scored[0].score:
            break
        if quote.text not in {c.text for c in chosen}:
            chosen.append(quote)
    return chosen


def _score(wanted: set[str], question: str, passage: Passage, sentence: str, vectors: Vectors) -> float:
    if not wanted:
        return 0.0
    own = set(words.content_stems(sentence))
    lexical = _SENTENCE_WEIGHT * len(wanted & own) / len(wanted) + (1 - _SENTENCE_WEIGHT) * len(
        wanted & passage.stems
    ) / len(wanted)
    meaning = vectors.similarity(question, sentence)
    return lexical if meaning is None else (lexical + meaning) / 2


def _quotable(sentence: str) -> bool:
    """A sentence worth quoting: a few words, not a heading fragment, not a wall of text."""
    return len(words.content_stems(sentence)) >= 3 and len(sentence) <= MAX_QUOTE_CHARS
