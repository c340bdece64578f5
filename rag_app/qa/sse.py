"""Relay an answer's events to the asker as Server-Sent Events, or wait for the whole answer."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

from django.conf import settings

from rag_app import db
from rag_app.errors import ApplicationError
from rag_app.qa import stream
from rag_app.qa.models import Answer
from rag_app.redact import without_addresses

KEEPALIVE_SECONDS = 15.0
_FINAL = {"done", "error"}


def format_event(kind: str, data: dict[str, object], event_id: str = "") -> str:
    """One SSE message."""
    head = f"id: {event_id}\n" if event_id else ""
    return f"{head}event: {kind}\ndata: {json.dumps(data)}\n\n"


def events(answer: Answer, *, after: str = "0", public: bool = False) -> Iterator[str]:
    """SSE messages: meta first, then the worker's events as they come, until done or error.

    public (an asker who is not staff): an error's message leaves out internal addresses.

    A comment line every KEEPALIVE_SECONDS keeps proxies from closing a quiet stream; a question
    nobody picks up within ANSWER_TIMEOUT ends with an error event that says so.
    """
    yield format_event("meta", {"answer_id": answer.pk, "conversation_id": answer.conversation_id})
    db.release_connection()  # relaying needs no database while Redis carries the events
    deadline = time.monotonic() + settings.ANSWER_TIMEOUT
    while time.monotonic() < deadline:
        batch = stream.read(answer.pk, after, timeout=min(KEEPALIVE_SECONDS, deadline - time.monotonic()))
        if not batch:
            yield ": keep-alive\n\n"
            continue
        for event in batch:
            after = event.id
            data = event.data
            if public and event.kind == "error" and isinstance(data.get("message"), str):
                data = {**data, "message": without_addresses(data["message"])}
            yield format_event(event.kind, data, event.id)
            if event.kind in _FINAL:
                return
    yield format_event("error", {"code": "timeout", "message": _timeout_message()})


def wait(answer: Answer) -> Answer:
    """Block until the answer is done or failed (for the non-streaming API)."""
    deadline = time.monotonic() + settings.ANSWER_TIMEOUT
    after = "0"
    while time.monotonic() < deadline:
        for event in stream.read(answer.pk, after, timeout=min(KEEPALIVE_SECONDS, deadline - time.monotonic())):
            after = event.id
            if event.kind in _FINAL:
                answer.refresh_from_db()
                return answer
    raise ApplicationError(_timeout_message(), status=504, code="timeout")


def _timeout_message() -> str:
    return (
        f"No answer within {settings.ANSWER_TIMEOUT:g} s: is a Celery worker consuming the "
        f"{settings.CELERY_QA_QUEUE!r} queue?"
    )
