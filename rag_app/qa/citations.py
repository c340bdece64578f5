"""Citations in an answer: which [n] refer to sources actually given, and the text without the others."""

from __future__ import annotations

import re
from collections.abc import Collection

_MARK = re.compile(r"\[(\d{1,3}(?:\s*,\s*\d{1,3})*)\]")


def cited(text: str, valid: Collection[int]) -> list[int]:
    """The valid source numbers the text cites ([2], [1, 3]), in order of first appearance."""
    found: dict[int, None] = {}
    for group in _MARK.findall(text):
        for number in (int(n) for n in group.split(",")):
            if number in valid:
                found.setdefault(number, None)
    return list(found)


def strip_unknown(text: str, valid: Collection[int]) -> str:
    """Remove citation marks that point at no given source ([7] when there were four sources)."""

    def keep_valid(match: re.Match[str]) -> str:
        numbers = [n.strip() for n in match.group(1).split(",") if int(n) in valid]
        return f"[{', '.join(numbers)}]" if numbers else ""

    def replace(match: re.Match[str]) -> str:
        kept = keep_valid(match)
        return (" " if match.group(0).startswith(" ") else "") + kept if kept else ""

    return re.sub(r" ?" + _MARK.pattern, replace, text)
