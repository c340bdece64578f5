"""Fit the sources into the chat model's context, leaving room for the answer: whole sources or none."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rag_app.qa.retrieval import Source

# Characters per token, on the safe side for English with Llama-style tokenizers (~4 on average):
# an estimate that runs high drops a source too many, never overflows the context.
CHARS_PER_TOKEN = 3.2


def estimate_tokens(text: str) -> int:
    """A cautious token count."""
    return int(len(text) / CHARS_PER_TOKEN) + 1


@dataclass(frozen=True)
class Packing:
    """The sources that fit, those that did not, and the arithmetic."""

    kept: list[Source]
    dropped: list[Source]
    available: int  # tokens for sources once the fixed prompt and the answer are reserved


def pack(sources: Sequence[Source], *, context: int, fixed_text: str, answer_tokens: int) -> Packing:
    """Keep the best sources, in order, while they fit; a source is never cut, only left out.

    fixed_text is everything in the prompt besides the sources (instructions, history, question).
    """
    available = context - answer_tokens - estimate_tokens(fixed_text) - 16  # chat-template overhead
    kept: list[Source] = []
    dropped: list[Source] = []
    used = 0
    for source in sources:
        cost = estimate_tokens(f"[{source.n}] ({source.title}, page {source.page}) {source.text}\n\n")
        if used + cost <= available:
            kept.append(source)
            used += cost
        else:
            dropped.append(source)
    return Packing(kept=kept, dropped=dropped, available=available)
