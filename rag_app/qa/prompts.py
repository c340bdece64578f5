"""Prompt templates, named and versioned; answers record which one they used."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rag_app.providers.base import Message, Prompt

if TYPE_CHECKING:
    from rag_app.qa.retrieval import Source


# The instructions come first and never change, so vLLM's prefix cache reuses them across questions.
ANSWER = Prompt(
    name="answer",
    version=2,
    system=(
        "You answer questions using only the numbered sources below. "
        "Cite the sources you use with their number in brackets, like [1]. "
        "If the sources do not contain the answer, say that you could not find it in the sources.\n\n"
        "Sources:\n{sources}"
    ),
    user="{question}",
)

CONDENSE = Prompt(
    name="condense",
    version=1,
    system=(
        "Rewrite the user's last question so that it can be understood without the conversation. "
        "Reply with the rewritten question only."
    ),
    user="Conversation:\n{history}\n\nLast question: {question}\n\nRewritten question:",
)

NOT_FOUND = "I could not find anything about this in your documents and notes."


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


def condense_messages(history: Sequence[tuple[str, str]], question: str) -> list[Message]:
    """The chat messages asking the model to make a follow-up question stand alone."""
    turns = "\n".join(f"Q: {q}\nA: {a}" for q, a in history)
    return [
        Message("system", CONDENSE.system),
        Message("user", CONDENSE.user.format(history=turns, question=question)),
    ]
