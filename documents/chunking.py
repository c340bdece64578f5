"""Cut pages of text into overlapping passages of bounded size, keeping page numbers."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from documents.extract import Page

_PARAGRAPH = re.compile(r"\n\s*\n")
_SENTENCE = re.compile(r"(?<=[.!?])\s+")


@dataclass(frozen=True)
class Passage:
    """A chunk to store: its position, text and page."""

    index: int
    text: str
    page: int | None


def _units(text: str, size: int) -> Iterable[str]:
    """Paragraphs, split into sentences (then hard-cut) when a paragraph exceeds size."""
    for paragraph in _PARAGRAPH.split(text):
        paragraph = " ".join(paragraph.split())
        if not paragraph:
            continue
        if len(paragraph) <= size:
            yield paragraph
            continue
        for sentence in _SENTENCE.split(paragraph):
            for start in range(0, len(sentence), size):
                yield sentence[start : start + size]


def chunk_pages(pages: Iterable[Page], *, size: int, overlap: int) -> list[Passage]:
    """Pack each page's units into passages of at most size characters; carry overlap across passages."""
    passages: list[Passage] = []
    for page in pages:
        current: list[str] = []
        length = 0
        for unit in _units(page.text, size):
            if current and length + 1 + len(unit) > size:
                passages.append(Passage(len(passages), " ".join(current), page.number))
                current, length = _tail(current, overlap)
                if current and length + 1 + len(unit) > size:
                    current, length = [], 0
            current.append(unit)
            length += len(unit) + (1 if length else 0)
        if current:
            passages.append(Passage(len(passages), " ".join(current), page.number))
    return passages


def _tail(units: list[str], overlap: int) -> tuple[list[str], int]:
    """The last units whose joined length fits within overlap."""
    kept: list[str] = []
    length = 0
    for unit in reversed(units):
        if length + len(unit) > overlap:
            break
        kept.insert(0, unit)
        length += len(unit) + 1
    return kept, max(length - 1, 0)
