"""What a passage offers a check: its stems, its numbers with the words around them, its sentences."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Protocol

from rag_app.qa.verification import sentences, words
from rag_app.qa.verification.words import Fact

Embed = Callable[[Sequence[str]], list[list[float]]]
_UNIT_WINDOW = 3  # a number's unit may stand this many words before or after it ("March 12" / "12 March")


class Given(Protocol):
    """A passage as given to the model: its number in the prompt and its text (retrieval.Source)."""

    @property
    def n(self) -> int: ...

    @property
    def text(self) -> str: ...


@dataclass
class Passage:
    """One given passage, read once for every sentence checked against it."""

    n: int
    text: str

    @cached_property
    def tokens(self) -> list[str]:
        return words.tokens(self.text)

    @cached_property
    def stems(self) -> frozenset[str]:
        return frozenset(words.stem(t) for t in self.tokens)

    @cached_property
    def numbers(self) -> dict[str, list[int]]:
        """Each number's value and where it stands among the tokens."""
        found: dict[str, list[int]] = {}
        for i, token in enumerate(self.tokens):
            value = words.number_value(token)
            if value is not None:
                found.setdefault(value, []).append(i)
        return found

    @cached_property
    def sentences(self) -> list[str]:
        return sentences.split(self.text)

    def has(self, fact: Fact) -> bool:
        """The passage states the fact: the name, or the number with its unit close to it."""
        if fact.kind == "name":
            return fact.value in self.stems
        for i in self.numbers.get(fact.value, ()):
            if not fact.unit:
                return True
            window = self.tokens[max(0, i - _UNIT_WINDOW) : i + _UNIT_WINDOW + 1]
            if fact.unit in {words.stem(t) for t in window} or (fact.unit == "percent" and "%" in self.tokens[i]):
                return True
        return False


def read(given: Sequence[Given]) -> list[Passage]:
    """The passages, ready to be checked against."""
    return [Passage(g.n, g.text) for g in given]


@dataclass
class Vectors:
    """Embeddings of short texts, each embedded once per answer (sentences and passages share them)."""

    embed: Embed | None
    known: dict[str, list[float]] = field(default_factory=dict)

    def load(self, texts: Sequence[str]) -> None:
        """Embed, in one batch, the texts not yet known."""
        missing = list(dict.fromkeys(t for t in texts if t not in self.known))
        if self.embed is not None and missing:
            self.known.update(zip(missing, self.embed(missing), strict=True))

    def similarity(self, a: str, b: str) -> float | None:
        """Cosine of two loaded texts, None without an embedder."""
        if a not in self.known or b not in self.known:
            return None
        return cosine(self.known[a], self.known[b])


def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    """Cosine similarity (vectors need not be normalised)."""
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    norm = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    return dot / norm if norm else 0.0
