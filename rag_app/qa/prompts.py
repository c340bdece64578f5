"""Prompt templates, named and versioned; answers record which one they used."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rag_app.providers.base import Message

if TYPE_CHECKING:
    from rag_app.qa.retrieval import Source


@dataclass(frozen=True)
class Prompt:
    """A system template and a user template."""

    name: str
    version: int
    system: str
    user: str


ANSWER = Prompt(
    name="answer",
    version=1,
    system=(
        "You answer questions using only the numbered sources below. "
        "Cite the sources you use with their number in brackets, like [1]. "
        "If the sources do not contain the answer, say that you could not find it.\n\n"
        "Sources:\n{sources}"
    ),
    user="{question}",
)

NOT_FOUND = "I could not find anything about this in your documents."


def source_block(sources: Sequence[Source]) -> str:
    """Number each source with its title and page."""
    lines = []
    for s in sources:
        where = f"{s.title}, page {s.page}" if s.page else s.title
        lines.append(f"[{s.n}] ({where}) {s.text}")
    return "\n\n".join(lines)


def answer_messages(question: str, sources: Sequence[Source], prompt: Prompt = ANSWER) -> list[Message]:
    """The chat messages asking the model to answer from the sources."""
    return [
        Message("system", prompt.system.format(sources=source_block(sources))),
        Message("user", prompt.user.format(question=question)),
    ]
