"""Time questions asked through the running app as a browser would, and rebuild the prompts it sent."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, fields

import httpx

from rag_app.evals.bench.metrics import RequestResult
from rag_app.providers.base import Message, Repetition
from rag_app.qa import prompts
from rag_app.qa.models import Answer
from rag_app.qa.retrieval import Source

_SOURCE_FIELDS = {f.name for f in fields(Source)}
_REPETITION_FIELDS = {f.name for f in fields(Repetition)}


@dataclass
class Asked:
    """A question asked through the app: the client's timings and the answer the app stored."""

    result: RequestResult
    answer_id: int | None = None


def ask(client: httpx.Client, question: str) -> Asked:
    """POST /api/ask/ with streaming on and read the Server-Sent Events to the end, stamping each token event."""
    start = time.perf_counter()
    asked = Asked(RequestResult(ok=False, start=start, end=start))
    result = asked.result
    with client.stream("POST", "/api/ask/", json={"question": question, "stream": True}) as response:
        if response.status_code != 200:
            response.read()
            result.error = f"HTTP {response.status_code}: {response.text[:200]}"
        else:
            kind = ""
            for line in response.iter_lines():
                if line.startswith("event: "):
                    kind = line.removeprefix("event: ")
                elif line.startswith("data: "):
                    data = json.loads(line.removeprefix("data: "))
                    if kind == "meta":
                        asked.answer_id = data["answer_id"]
                    elif kind == "token":
                        result.token_times.append(time.perf_counter())
                    elif kind in ("done", "error"):
                        result.ok = kind == "done"
                        result.error = "" if result.ok else str(data.get("message", data))
                        break
            else:
                result.error = "the stream ended without a done or error event"
    result.end = time.perf_counter()
    result.first_token = result.token_times[0] if result.token_times else None
    return asked


@dataclass(frozen=True)
class Overhead:
    """Seconds the asker waited beyond the chat model's generation, and that minus retrieval (the plumbing)."""

    added: float
    plumbing: float
    queue: float
    retrieval: float


def complete(asked: Asked, answer: Answer) -> Overhead | None:
    """Take the token count from the stored answer; what the app added to the model's time, if it answered."""
    result = asked.result
    result.output_tokens = answer.completion_tokens or len(result.token_times)
    if not result.ok or answer.generation_ms is None:
        return None
    added = result.latency - answer.generation_ms / 1000
    retrieval = (answer.retrieval_ms or 0) / 1000
    return Overhead(added, added - retrieval, (answer.queue_ms or 0) / 1000, retrieval)


@dataclass(frozen=True)
class SentPrompt:
    """The chat messages the worker sent for an answer: its standalone question and the sources it was given."""

    answer: Answer

    def messages(self) -> list[Message]:
        """Rebuilt with the same template from what the answer's record keeps."""
        sources = [Source(**{k: v for k, v in c.items() if k in _SOURCE_FIELDS}) for c in self.answer.citations]
        return prompts.answer_messages(self.answer.standalone_question or self.answer.question, sources)

    def repetition(self) -> Repetition:
        """The repetition controls the worker sent with it (a frequency penalty costs the server work too)."""
        sent = (self.answer.checks.get("generation") or {}).get("repetition") or {}
        return Repetition(**{k: v for k, v in sent.items() if k in _REPETITION_FIELDS})
