"""Split text into sentences without breaking decimals, times, abbreviations or citation marks."""

from __future__ import annotations

import re

_ABBREVIATIONS = frozenset(
    ("e.g", "i.e", "etc", "mr", "mrs", "ms", "dr", "prof", "st", "no", "vs", "approx", "fig", "dept", "inc", "ltd")
)
# A sentence ends at . ! ? (and any closing quote, bracket or citation marks after it) before a space.
_END = re.compile(r"[.!?]+[\"'\u201d\u2019)\]]*(?:\s*\[\d{1,3}(?:\s*,\s*\d{1,3})*\])*(?=\s|$)")
_BULLET = re.compile(r"^\s*(?:[-*•]|\d{1,2}[.)])\s+")


def split(text: str) -> list[str]:
    """The sentences of text, in order, stripped; lines (list items, headings) end a sentence too."""
    sentences: list[str] = []
    for line in text.splitlines():
        line = _BULLET.sub("", line).strip(" \t#>")
        if line:
            sentences.extend(_split_line(line))
    return sentences


def _split_line(line: str) -> list[str]:
    parts: list[str] = []
    start = 0
    for match in _END.finditer(line):
        end = match.end()
        if match.group(0).startswith(".") and _abbreviation(line[start : match.start()]):
            continue
        piece = line[start:end].strip()
        if piece:
            parts.append(piece)
        start = end
    rest = line[start:].strip()
    if rest:
        parts.append(rest)
    return parts


def _abbreviation(before: str) -> bool:
    """The text before a full stop ends in an abbreviation or a single initial ("J. Smith")."""
    word = before.rsplit(None, 1)[-1].lower() if before.strip() else ""
    word = word.lstrip("([\"'")
    return word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha())
