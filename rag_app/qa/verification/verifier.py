"""Check each sentence of an answer against the passages given: supported, by which, and what is missing.

A sentence is supported by a passage when the passage states every number, code and name the sentence
does and the sentence's words are mostly there (with the embedder, their meaning close to one of the
passage's sentences). The model's own [n] marks are kept when their passage supports the sentence,
replaced by the passage that does otherwise, and dropped from a sentence nothing supports.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

from rag_app.qa.verification import sentences, words
from rag_app.qa.verification.passages import Embed, Given, Passage, Vectors, read

_MARK = re.compile(r"\[(\d{1,3}(?:\s*,\s*\d{1,3})*)\]")
# Sentences saying the answer is not there are no claims: they are neither supported nor unsupported.
_NOT_A_CLAIM = re.compile(r"could not find|cannot find|can't find|do(?:es)? not (?:contain|mention|say)|no information")


@dataclass(frozen=True)
class Thresholds:
    """When a passage supports a sentence (settings VERIFY_*)."""

    min_score: float = 0.55  # the sentence's support score (word overlap, with the embedder its mean with meaning)
    min_overlap: float = 0.34  # the share of its words the passage must hold, with the embedder too


@dataclass
class Sentence:
    """One sentence of the answer and its check (the API's `sentences` items, with the reasons)."""

    text: str
    citations: list[int]
    supported: bool
    score: float
    claim: bool = True
    missing: list[str] = field(default_factory=list)  # facts no given passage states
    wrong_marks: list[int] = field(default_factory=list)  # the model's [n] whose passage does not support it

    def as_dict(self) -> dict[str, object]:
        """The stored and API form."""
        return asdict(self)


@dataclass
class Verification:
    """Every sentence checked, and the shares the pipeline decides on."""

    sentences: list[Sentence]

    @property
    def claims(self) -> list[Sentence]:
        return [s for s in self.sentences if s.claim]

    @property
    def supported_share(self) -> float:
        """Supported claims over claims (0 when the answer makes none)."""
        claims = self.claims
        return sum(s.supported for s in claims) / len(claims) if claims else 0.0

    @property
    def cited(self) -> list[int]:
        """The passages some supported sentence cites, in order of first use."""
        return list(dict.fromkeys(n for s in self.sentences for n in s.citations))

    @property
    def unsupported_facts(self) -> list[str]:
        """The numbers, codes and names stated that no given passage has."""
        return [m for s in self.sentences for m in s.missing]


def verify(
    text: str, given: Sequence[Given], *, embed: Embed | None = None, thresholds: Thresholds = Thresholds()
) -> Verification:
    """Check every sentence of text against the passages given to the model."""
    passages = read(given)
    split = sentences.split(text)
    plain = [words.strip_marks(s).strip() for s in split]
    vectors = Vectors(embed)
    vectors.load([p for p in plain if p] + [s for p in passages for s in p.sentences])
    checked = [_check(raw, bare, passages, vectors, thresholds) for raw, bare in zip(split, plain, strict=True)]
    return Verification([s for s in checked if s.text])


def _check(raw: str, bare: str, passages: list[Passage], vectors: Vectors, thresholds: Thresholds) -> Sentence:
    own = _marks(raw, {p.n for p in passages})
    stems = set(words.content_stems(bare))
    if not stems or _NOT_A_CLAIM.search(bare.lower()):
        return Sentence(bare, [], supported=False, score=0.0, claim=False)
    facts = words.facts(bare)
    scored = []
    for p in passages:
        overlap = len(stems & p.stems) / len(stems)
        meanings = [m for s in p.sentences if (m := vectors.similarity(bare, s)) is not None]
        score = (overlap + max(meanings)) / 2 if meanings else overlap
        missing = [f.shown for f in facts if not p.has(f)]
        ok = not missing and overlap >= thresholds.min_overlap and score >= thresholds.min_score
        scored.append((ok, score, p.n, missing))
    supporting = {n: score for ok, score, n, _ in scored if ok}
    best = max(scored, key=lambda t: (t[0], t[1], -len(t[3])), default=(False, 0.0, 0, [f.shown for f in facts]))
    kept = [n for n in own if n in supporting]
    if supporting and not kept:
        kept = [max(supporting, key=lambda n: supporting[n])]
    missing = [] if supporting else _missing_everywhere(facts, passages) or best[3]
    return Sentence(
        bare,
        kept,
        supported=bool(supporting),
        score=round(best[1], 3),
        missing=missing,
        wrong_marks=[n for n in own if n not in supporting],
    )


def _missing_everywhere(facts: list[words.Fact], passages: list[Passage]) -> list[str]:
    """The facts that no passage states at all (the sentence's plainest fault)."""
    return [f.shown for f in facts if not any(p.has(f) for p in passages)]


def _marks(text: str, valid: set[int]) -> list[int]:
    found: dict[int, None] = {}
    for group in _MARK.findall(text):
        for n in (int(x) for x in group.split(",")):
            if n in valid:
                found.setdefault(n, None)
    return list(found)
