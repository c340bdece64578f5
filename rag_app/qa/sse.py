"""Relay an answer's events to the asker as Server-Sent Events, or wait for the whole answer."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from rag_app import db
from rag_app.errors import ApplicationError
from rag_app.markdown import render_markdown
from rag_app.qa import failures, stream
from rag_app.qa.models import Answer

KEEPALIVE_SECONDS = 15.0
Reader = AbstractBaseUser | AnonymousUser | None
_FINAL = {"done", "error"}


def format_event(kind: str, data: dict[str, object], event_id: str = "") -> str:
    """One SSE message."""
    head = f"id: {event_id}\n" if event_id else ""
    return f"{head}event: {kind}\ndata: {json.dumps(data)}\n\n"


def events(answer: Answer, *, after: str = "0", user: Reader = None) -> Iterator[str]:
    """SSE messages: meta first, then the worker's events as they come, until done or error.

    An error's details reach only staff (rag_app/qa/failures.py); others get the plain message.

    A comment line every KEEPALIVE_SECONDS keeps proxies from closing a quiet stream; a question
    nobody picks up within ANSWER_TIMEOUT ends with an error event that says so. A finished answer
    whose events are gone (kept an hour) ends at once with its final events, made from the row.
    """
    yield format_event("meta", {"answer_id": answer.pk, "conversation_id": answer.conversation_id})
    if answer.status in (Answer.Status.DONE, Answer.Status.FAILED) and not stream.read(answer.pk, after, timeout=0):
        yield from _from_row(answer, user)
        return
    db.release_connection()  # relaying needs no database while Redis carries the events
    deadline = time.monotonic() + settings.ANSWER_TIMEOUT
    while time.monotonic() < deadline:
        batch = stream.read(answer.pk, after, timeout=min(KEEPALIVE_SECONDS, deadline - time.monotonic()))
        if not batch:
            yield ": keep-alive\n\n"
            continue
        for event in batch:
            after = event.id
            yield format_event(event.kind, failures.event_for(event.kind, event.data, user), event.id)
            if event.kind in _FINAL:
                return
    yield format_event("error", {"code": "timeout", "message": _timeout_message()})


def _from_row(answer: Answer, user: Reader) -> Iterator[str]:
    """The final events of a finished answer, as the worker sent them, from what the row keeps."""
    if answer.status == Answer.Status.FAILED:
        error = failures.error_event(answer, "provider_unavailable")
        yield format_event("error", failures.event_for("error", error, user))
        return
    html = str(render_markdown(answer.text))
    yield format_event("citations", {"citations": answer.citations, "text": answer.text, "html": html})
    yield format_event("done", {"answer_id": answer.pk, "status": answer.status, "duration_ms": answer.duration_ms})


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
