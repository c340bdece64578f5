"""The planted-error fixture: answer sentences with a wrong number, date, amount or name, and their passages."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

GOLDEN = Path(__file__).resolve().parent / "golden"
PLANTED = Path(__file__).resolve().parent / "planted.jsonl"
CORPUS = GOLDEN / "corpus"


@dataclass(frozen=True)
class Passage:
    """A paragraph of a golden document, numbered as a source would be."""

    n: int
    text: str


@dataclass(frozen=True)
class Planted:
    """A sentence the source supports, the same sentence with one error planted, and the source's passages."""

    source: str
    kind: str
    correct: str
    planted: str
    passages: tuple[Passage, ...]


def paragraphs(text: str) -> tuple[Passage, ...]:
    """The document's paragraphs (headings dropped) as passages 1..n."""
    parts = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip() and not p.lstrip().startswith("#")]
    return tuple(Passage(n, p) for n, p in enumerate(parts, start=1))


def load(path: Path = PLANTED, corpus: Path = CORPUS) -> list[Planted]:
    """Every case of the fixture with its source's passages."""
    cases = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            passages = paragraphs((corpus / row["source"]).read_text(encoding="utf-8"))
            cases.append(Planted(row["source"], row["kind"], row["correct"], row["planted"], passages))
    return cases
