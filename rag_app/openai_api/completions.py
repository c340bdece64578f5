"""An answer as OpenAI's chat.completion, or its events as chat.completion.chunk messages ending in [DONE].

Beyond OpenAI's fields: `citations` (on the message or the sources chunk's delta, and at the top level)
lists the numbered sources the answer's [n] marks refer to; the text ends with a short list of them, so
a chat front end that shows only the text still shows where each [n] leads.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

from django.conf import settings

from rag_app import db
from rag_app.openai_api.errors import error_body
from rag_app.qa import budget, stream
from rag_app.qa.models import Answer

KEEPALIVE_SECONDS = 15.0


def completion_id(answer: Answer) -> str:
    return f"chatcmpl-rag-{answer.pk}"


def sources_footer(citations: list[dict[str, Any]]) -> str:
    """The numbered sources as lines after the answer: `[1] title, page 2`."""
    lines = []
    for c in citations:
        where = f"{c['title']}, page {c['page']}" if c.get("page") else str(c["title"])
        lines.append(f"[{c['n']}] {where}")
    return "\n\nSources:\n" + "\n".join(lines) if lines else ""


def usage(answer: Answer) -> dict[str, int]:
    """The provider's token counts; counted from the text where it reported none (no model was asked)."""
    prompt = answer.prompt_tokens or budget.estimate_tokens(answer.question)
    completion = answer.completion_tokens or budget.estimate_tokens(answer.text)
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def completion(answer: Answer, model: str) -> dict[str, Any]:
    """A finished answer as a chat.completion."""
    return {
        "id": completion_id(answer),
        "object": "chat.completion",
        "created": int(answer.created_at.timestamp()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {
                    "role": "assistant",
                    "content": answer.text + sources_footer(answer.citations),
                    "citations": answer.citations,
                },
                "finish_reason": "stop",
            }
        ],
        "usage": usage(answer),
        "citations": answer.citations,
    }


def _chunk(answer: Answer, model: str, delta: dict[str, Any], finish: str | None = None, **extra: Any) -> str:
    body = {
        "id": completion_id(answer),
        "object": "chat.completion.chunk",
        "created": int(answer.created_at.timestamp()),
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        **extra,
    }
    return f"data: {json.dumps(body)}\n\n"


def chunks(answer: Answer, model: str) -> Iterator[str]:
    """SSE messages as the worker's events arrive, ending in `data: [DONE]`.

    A role chunk, text chunks, the sources (text and `citations` on the delta), a last chunk with
    finish_reason, usage and `citations`. A failure is sent as an OpenAI error object (clients raise it).
    """
    yield _chunk(answer, model, {"role": "assistant", "content": ""})
    db.release_connection()  # relaying needs no database while Redis carries the events
    deadline, after = time.monotonic() + settings.ANSWER_TIMEOUT, "0"
    while time.monotonic() < deadline:
        batch = stream.read(answer.pk, after, timeout=min(KEEPALIVE_SECONDS, deadline - time.monotonic()))
        if not batch:
            yield ": keep-alive\n\n"
            continue
        for event in batch:
            after = event.id
            if event.kind == "token":
                yield _chunk(answer, model, {"content": event.data["text"]})
            elif event.kind == "citations":
                citations = event.data["citations"]
                footer = {"content": sources_footer(citations), "citations": citations}
                yield _chunk(answer, model, footer)
            elif event.kind == "done":
                answer.refresh_from_db()
                yield _chunk(answer, model, {}, "stop", usage=usage(answer), citations=answer.citations)
                yield "data: [DONE]\n\n"
                return
            elif event.kind == "error":
                message = event.data.get("message") or "The answer could not be generated."
                yield f"data: {json.dumps(error_body(message, status_code=503, code=event.data.get('code')))}\n\n"
                yield "data: [DONE]\n\n"
                return
    timeout = f"No answer within {settings.ANSWER_TIMEOUT:g} s."
    yield f"data: {json.dumps(error_body(timeout, status_code=504, code='timeout'))}\n\n"
    yield "data: [DONE]\n\n"
