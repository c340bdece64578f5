"""The passages' own sentences that best answer a question: what the fallback quotes."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from rag_app.qa.verification import words
from rag_app.qa.verification.passages import Given, Vectors, read

MAX_QUOTE_CHARS = 400
_TYPE_WEIGHT = 0.25  # a sentence holding the kind of thing asked for (a number for "how many", a name for "who")
_NAME_WEIGHT = 0.3  # the question's own names, which every passage given about them holds
_ASKS_NUMBER = re.compile(
    r"^\s*(how (many|much|long|tall|high|deep|far|old|big|often)|when|what (year|time|date))\b|\bat what\b", re.I
)
_ASKS_NAME = re.compile(r"^\s*(who|whom|whose)\b", re.I)


@dataclass(frozen=True)
class Quote:
    """A sentence of passage n, and how well it answers the question (0..1)."""

    n: int
    text: str
    score: float

    def as_dict(self) -> dict[str, object]:
        """The stored form."""
        return asdict(self)


@dataclass(frozen=True)
class _Candidate:
    n: int
    text: str
    own: frozenset[str]  # the sentence's stems
    before: frozenset[str]  # the stems of the sentence before it in its passage (what "It" refers to)


class Asked:
    """What kind of answer a question wants, and what it already says (which is no answer)."""

    def __init__(self, question: str) -> None:
        self.text = question
        self.wanted = frozenset(words.content_stems(question))
        self.number = bool(_ASKS_NUMBER.search(question))
        self.name = bool(_ASKS_NAME.search(question))
        self.known = {f.value for f in words.facts(question)}
        # The question's names chose the passages (verify_answer); within them they say little about which
        # sentence answers: "Who was the chief engineer of the Hollow Mountain tunnel?" asks about "engineer".
        self.names = {f.value for f in words.facts(question) if f.kind == "name"} & self.wanted

    def held_by(self, sentence: str) -> float:
        """1 when the sentence holds the kind of answer asked for, 0 when it holds none.

        A number counting the very thing asked about ("42 member farms") is best; questions of no
        particular kind score 1 everywhere.
        """
        facts = [f for f in words.facts(sentence) if f.value not in self.known]
        if self.number:
            numbers = [f for f in facts if f.kind == "number"]
            return 1.0 if any(f.unit in self.wanted for f in numbers) else 0.6 if numbers else 0.0
        if self.name:
            return float(any(f.kind == "name" for f in facts))
        return 1.0


def best(question: str, given: Sequence[Given], *, vectors: Vectors, limit: int = 2, ratio: float = 0.8) -> list[Quote]:
    """Up to limit sentences from the passages, best first; a second only if it scores >= ratio of the first.

    A sentence scores by the question's words it holds, each weighted by how few of the candidate
    sentences hold it (a document's topic words are everywhere, the asked-about words are not), the
    words of the sentence before it counting half, plus a little when it holds what the question asks
    for; with an embedder, averaged with its meaning's closeness to the question.
    """
    asked = Asked(question)
    candidates = [
        _Candidate(
            p.n,
            s,
            frozenset(words.content_stems(s)),
            frozenset(words.content_stems(p.sentences[i - 1])) if i else frozenset(),
        )
        for p in read(given)
        for i, s in enumerate(p.sentences)
        if _quotable(s)
    ]
    if not asked.wanted or not candidates:
        return []
    weight = {w: math.log(1 + len(candidates) / max(1, sum(w in c.own for c in candidates))) for w in asked.wanted}
    for w in asked.names:
        weight[w] *= _NAME_WEIGHT
    vectors.load([question] + [c.text for c in candidates])
    scored = sorted(
        (Quote(c.n, c.text, round(_score(asked, c, weight, vectors), 3)) for c in candidates),
        key=lambda q: (-q.score, q.n),
    )
    if scored[0].score <= 0:
        return []
    chosen = [scored[0]]
    for quote in scored[1:]:
        if len(chosen) == limit or quote.score < ratio * scored[0].score:
            break
        if quote.text not in {c.text for c in chosen}:
            chosen.append(quote)
    return chosen


def _score(asked: Asked, candidate: _Candidate, weight: dict[str, float], vectors: Vectors) -> float:
    if not candidate.own & asked.wanted:
        return 0.0
    held = sum(w if s in candidate.own else w / 2 if s in candidate.before else 0.0 for s, w in weight.items())
    score = (1 - _TYPE_WEIGHT) * held / sum(weight.values()) + _TYPE_WEIGHT * asked.held_by(candidate.text)
    meaning = vectors.similarity(asked.text, candidate.text)
    return score if meaning is None else (score + meaning) / 2


def _quotable(sentence: str) -> bool:
    """A whole sentence worth quoting: a few words, ending like a sentence (no title or heading), not a wall."""
    return (
        len(words.content_stems(sentence)) >= 3
        and len(sentence) <= MAX_QUOTE_CHARS
        and words.strip_marks(sentence).rstrip("\"'\u201d\u2019)").endswith((".", "!", "?"))
    )
