"""The benchmark's questions: RAG prompts built from the golden corpus, or questions read from a file."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path

from rag_app.providers.base import Message
from rag_app.qa.prompts import answer_messages
from rag_app.qa.retrieval import Source

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
SOURCES_PER_PROMPT = 3  # like a top-3 retrieval: the right passage first, then two others


@dataclass(frozen=True)
class Question:
    """One benchmark question with the passages it is asked over."""

    text: str
    passages: tuple[tuple[str, str], ...]  # (title, text)

    def messages(self) -> list[Message]:
        """The chat messages the app would send for this question (its real answer prompt)."""
        sources = [
            Source(n=n, document_id=None, title=title, chunk_id=f"bench:{n}", page=None, text=text, score=1.0)
            for n, (title, text) in enumerate(self.passages, start=1)
        ]
        return answer_messages(self.text, sources)


def corpus() -> dict[str, str]:
    """The golden corpus: file name to text."""
    return {path.name: path.read_text().strip() for path in sorted((GOLDEN / "corpus").iterdir()) if path.is_file()}


def _passages(first: str | None, docs: dict[str, str], rng: random.Random) -> tuple[tuple[str, str], ...]:
    others = rng.sample(sorted(name for name in docs if name != first), SOURCES_PER_PROMPT - (first is not None))
    return tuple((name, docs[name]) for name in ([first] if first else []) + others)


def builtin(count: int, seed: int) -> list[Question]:
    """Count questions cycling through the golden set, each with its source and two seeded distractors."""
    docs, rng = corpus(), random.Random(seed)
    golden = [json.loads(line) for line in (GOLDEN / "golden.jsonl").read_text().splitlines() if line.strip()]
    picked = [golden[i % len(golden)] for i in range(count)]
    questions = [Question(g["question"], _passages(g["expected_source"], docs, rng)) for g in picked]
    rng.shuffle(questions)
    return questions


def from_file(path: Path, count: int | None, seed: int) -> list[Question]:
    """Questions from a .jsonl file ({"question", optional "context"}) or a text file of one per line.

    A question without context is given three golden passages, so every prompt is RAG-sized. Count
    None takes every question once; a larger count cycles. Raises ValueError for an empty or bad file.
    """
    docs, rng = corpus(), random.Random(seed)
    lines = [line.strip() for line in path.read_text().splitlines() if line.strip()]
    rows: list[dict[str, str]] = []
    for number, line in enumerate(lines, start=1):
        if path.suffix == ".jsonl":
            try:
                row = json.loads(line)
                rows.append({"question": str(row["question"]), "context": str(row.get("context") or "")})
            except (ValueError, KeyError, TypeError) as exc:
                raise ValueError(f"{path}, line {number}: expected a JSON object with a 'question': {exc}") from exc
        else:
            rows.append({"question": line, "context": ""})
    if not rows:
        raise ValueError(f"{path} holds no questions")
    questions = [
        Question(r["question"], (("context", r["context"]),) if r["context"] else _passages(None, docs, rng))
        for r in rows
    ]
    rng.shuffle(questions)
    return [questions[i % len(questions)] for i in range(count or len(questions))]


def embedding_inputs(count: int, seed: int) -> list[str]:
    """Count texts shaped like the app's embedding inputs: corpus paragraphs (chunks) and questions."""
    paragraphs = [p.strip() for text in corpus().values() for p in text.split("\n\n") if p.strip()]
    texts = paragraphs + [q.text for q in builtin(30, seed)]
    random.Random(seed).shuffle(texts)
    return [texts[i % len(texts)] for i in range(count)]
