"""Cut pages of text into overlapping passages of bounded token count, keeping page and heading.

Sizes are in tokens as an embedding model's tokenizer would count them, estimated without one: a
word or punctuation mark is one token, long words a few more (word-piece tokenizers split rare long
words). The estimate errs high, so passages stay inside the model's window.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from documents.formats.base import Page

_PARAGRAPH = re.compile(r"\n\s*\n")
_SENTENCE = re.compile(r"(?<=[.!?])\s+")
_TOKEN = re.compile(r"\w+|[^\w\s]")
_HEADING_LINE = re.compile(r"^(#{1,6})[ \t]+(\S.*)$", re.M)
_CHARS_PER_EXTRA_TOKEN = 8


@dataclass(frozen=True)
class Passage:
    """A chunk to store: its position, text, page, nearest heading and who made the text."""

    index: int
    text: str
    page: int | None
    heading: str = ""
    generated_by: str = ""


@dataclass(frozen=True)
class _Unit:
    text: str
    tokens: int
    heading: str
    new_paragraph: bool


def count_tokens(text: str) -> int:
    """Estimated tokens in text (see the module docstring)."""
    return sum(1 + len(t) // _CHARS_PER_EXTRA_TOKEN for t in _TOKEN.findall(text))


def chunk_pages(pages: Iterable[Page], *, size: int, overlap: int) -> list[Passage]:
    """Pack each page's units into passages of at most size tokens, repeating up to overlap tokens.

    Pages never share a passage (each keeps its page number); the heading in force carries over
    from page to page unless a page names its own (a slide's title).
    """
    passages: list[Passage] = []
    heading = ""
    for page in pages:
        heading = page.heading or heading
        units: list[_Unit] = []
        for unit in _units(page, size, heading):
            units.append(unit)
            heading = unit.heading
        for text, first_heading in _pack(units, size, overlap):
            passages.append(Passage(len(passages), text, page.number, first_heading, page.generated_by))
    return passages


def _units(page: Page, size: int, heading: str) -> Iterator[_Unit]:
    """Paragraphs, split into sentences (then word runs, then characters) when longer than size."""
    text = _HEADING_LINE.sub(r"\n\n\1 \2\n\n", page.text) if page.marked_headings else page.text
    for paragraph in _PARAGRAPH.split(text):
        paragraph = " ".join(paragraph.split())
        if not paragraph:
            continue
        if page.marked_headings and (match := _HEADING_LINE.match(paragraph)):
            heading = match.group(2).strip()[:255]
        tokens = count_tokens(paragraph)
        if tokens <= size:
            yield _Unit(paragraph, tokens, heading, True)
            continue
        first = True
        for sentence in _SENTENCE.split(paragraph):
            for piece in _fit(sentence, size):
                yield _Unit(piece, count_tokens(piece), heading, first)
                first = False


def _fit(sentence: str, size: int) -> Iterator[str]:
    """Runs of whole words within size tokens; a single word over size is cut by characters."""
    if count_tokens(sentence) <= size:
        yield sentence
        return
    run: list[str] = []
    tokens = 0
    for word in sentence.split(" "):
        cost = count_tokens(word)
        if cost > size:
            if run:
                yield " ".join(run)
                run, tokens = [], 0
            step = max(1, size * _CHARS_PER_EXTRA_TOKEN // 2)
            while word:
                # shrink until the piece fits: punctuation inside a word counts extra
                piece = word[:step]
                while count_tokens(piece) > size and len(piece) > 1:
                    piece = piece[: len(piece) * 3 // 4]
                yield piece
                word = word[len(piece) :]
            continue
        if run and tokens + cost > size:
            yield " ".join(run)
            run, tokens = [], 0
        run.append(word)
        tokens += cost
    if run:
        yield " ".join(run)


def _pack(units: list[_Unit], size: int, overlap: int) -> Iterator[tuple[str, str]]:
    """Passages of whole units: (text, heading of the first unit not repeated from the previous one)."""
    current: list[_Unit] = []
    tokens = 0
    fresh = 0  # index in current of the first unit not carried over as overlap
    for unit in units:
        if current and tokens + unit.tokens > size:
            yield _join(current), current[fresh].heading
            current = _tail(current, overlap)
            tokens = sum(u.tokens for u in current)
            if current and tokens + unit.tokens > size:
                current, tokens = [], 0
            fresh = len(current)
        current.append(unit)
        tokens += unit.tokens
    if current and fresh < len(current):
        yield _join(current), current[fresh].heading


def _join(units: list[_Unit]) -> str:
    parts = [units[0].text]
    for unit in units[1:]:
        parts.append(("\n" if unit.new_paragraph else " ") + unit.text)
    return "".join(parts)


def _tail(units: list[_Unit], overlap: int) -> list[_Unit]:
    """The last units whose tokens fit within overlap."""
    kept: list[_Unit] = []
    tokens = 0
    for unit in reversed(units):
        if tokens + unit.tokens > overlap:
            break
        kept.insert(0, unit)
        tokens += unit.tokens
    return kept
