"""Relay an answer's events to the asker as Server-Sent Events, or wait for the whole answer."""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Generator

import redis
from django.conf import settings
from django.utils import timezone

from rag_app import db
from rag_app.errors import ApplicationError
from rag_app.qa import ending, stream
from rag_app.qa.models import Answer
from rag_app.qa.services import QUEUE_DOWN

KEEPALIVE_SECONDS = 15.0
WEB_MARGIN_SECONDS = 2.0  # the web ends its wait this long before ANSWER_TIMEOUT (the worker 5 s before it)
_FINAL = {"done", "error"}


def format_event(kind: str, data: dict[str, object], event_id: str = "") -> str:
    """One SSE message."""
    head = f"id: {event_id}\n" if event_id else ""
    return f"{head}event: {kind}\ndata: {json.dumps(data)}\n\n"


def events(answer: Answer, *, after: str = "0") -> Generator[str, None, None]:
    """SSE messages: meta first, then the worker's events as they come, until done or error.

    A comment line every KEEPALIVE_SECONDS keeps proxies from closing a quiet stream. The stream always
    ends with a final event before the asker's ANSWER_TIMEOUT is over: the worker's, or a cancellation
    made here when time is up. A stream closed before the end tells the worker nobody is listening
    (it stops unless someone reconnects within a grace period).
    """
    final = False
    try:
        stream.joined(answer.pk)
        yield format_event("meta", {"answer_id": answer.pk, "conversation_id": answer.conversation_id})
        db.release_connection()  # relaying needs no database while Redis carries the events
        deadline = time.monotonic() + _wait_seconds(answer)
        while not final:
            left = deadline - time.monotonic()
            if left <= 0:
                ending.answer_cancel(answer_id=answer.pk, reason=_timeout_message())
                left = 1.0  # relay the final event, whoever wrote it
            batch = stream.read(answer.pk, after, timeout=min(KEEPALIVE_SECONDS, left))
            if not batch:
                if deadline - time.monotonic() <= -1.0:
                    final = True
                    yield format_event("error", {"code": "timeout", "message": _timeout_message()})
                else:
                    yield ": keep-alive\n\n"
                continue
            for event in batch:
                after = event.id
                yield format_event(event.kind, event.data, event.id)
                if event.kind in _FINAL:
                    final = True
                    break
    except redis.RedisError:
        final = True
        yield format_event("error", {"code": "queue_unavailable", "message": QUEUE_DOWN})
    finally:
        if not final:
            with contextlib.suppress(redis.RedisError):
                stream.left(answer.pk)


def wait(answer: Answer) -> Answer:
    """Block until the answer is final (for the non-streaming API); at the deadline it is cancelled."""
    deadline = time.monotonic() + _wait_seconds(answer)
    after = "0"
    try:
        while time.monotonic() < deadline:
            for event in stream.read(answer.pk, after, timeout=min(KEEPALIVE_SECONDS, deadline - time.monotonic())):
                after = event.id
                if event.kind in _FINAL:
                    answer.refresh_from_db()
                    return answer
    except redis.RedisError as exc:
        raise ApplicationError(QUEUE_DOWN, status=503, code="queue_unavailable") from exc
    ending.answer_cancel(answer_id=answer.pk, reason=_timeout_message())
    answer.refresh_from_db()
    if answer.status in ending.BUSY or answer.status == Answer.Status.CANCELLED:
        raise ApplicationError(answer.error or _timeout_message(), status=504, code="timeout")
    return answer


def _wait_seconds(answer: Answer) -> float:
    """How long the web waits: until just before the asker's ANSWER_TIMEOUT, counted from the question."""
    waited = (timezone.now() - answer.created_at).total_seconds()
    return max(1.0, settings.ANSWER_TIMEOUT - WEB_MARGIN_SECONDS - waited)


def _timeout_message() -> str:
    return (
        f"No answer within {settings.ANSWER_TIMEOUT:g} s, so it was stopped: the model server or the workers of the "
        f"{settings.CELERY_QA_QUEUE!r} queue are too busy or down. Ask again later."
    )
