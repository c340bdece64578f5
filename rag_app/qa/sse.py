"""Relay an answer's events to the asker as Server-Sent Events, or wait for the whole answer."""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Generator, Iterator

import redis
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.utils import timezone

from rag_app import db
from rag_app.errors import ApplicationError
from rag_app.markdown import render_markdown
from rag_app.qa import ending, failures, stream
from rag_app.qa.models import Answer
from rag_app.qa.services import QUEUE_DOWN

KEEPALIVE_SECONDS = 15.0
Reader = AbstractBaseUser | AnonymousUser | None
WEB_MARGIN_SECONDS = 2.0  # the web ends its wait this long before ANSWER_TIMEOUT (the worker 5 s before it)
_FINAL = {"done", "error"}
_ENDED = (Answer.Status.DONE, Answer.Status.FAILED, Answer.Status.CANCELLED)


def format_event(kind: str, data: dict[str, object], event_id: str = "") -> str:
    """One SSE message."""
    head = f"id: {event_id}\n" if event_id else ""
    return f"{head}event: {kind}\ndata: {json.dumps(data)}\n\n"


def events(answer: Answer, *, after: str = "0", user: Reader = None) -> Generator[str, None, None]:
    """SSE messages: meta first, then the worker's events as they come, until done or error.

    An error's details reach only staff (rag_app/qa/failures.py); others get the plain message. A comment
    line every KEEPALIVE_SECONDS keeps proxies from closing a quiet stream. The stream always ends with a
    final event before the asker's ANSWER_TIMEOUT is over: the worker's, or a cancellation made here when
    time is up. A stream closed before the end tells the worker nobody is listening (it stops unless
    someone reconnects within a grace period). A finished answer whose events are gone (kept an hour)
    ends at once with its final events, made from the row.
    """
    final = False
    try:
        stream.joined(answer.pk)
        yield format_event("meta", {"answer_id": answer.pk, "conversation_id": answer.conversation_id})
        if answer.status in _ENDED and not stream.read(answer.pk, after, timeout=0):
            final = True
            yield from _from_row(answer, user)
            return
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
                if event.raw and event.kind != "error":  # only an error is shown differently to different readers
                    yield f"id: {event.id}\nevent: {event.kind}\ndata: {event.raw}\n\n"
                else:
                    yield format_event(event.kind, failures.event_for(event.kind, event.data, user), event.id)
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


def _from_row(answer: Answer, user: Reader) -> Iterator[str]:
    """The final events of a finished answer, as the worker sent them, from what the row keeps."""
    if answer.status in (Answer.Status.FAILED, Answer.Status.CANCELLED):
        code = "provider_unavailable" if answer.status == Answer.Status.FAILED else "cancelled"
        error = failures.error_event(answer, code)
        yield format_event("error", failures.event_for("error", error, user))
        return
    html = str(render_markdown(answer.text))
    yield format_event("citations", {"citations": answer.citations, "text": answer.text, "html": html})
    yield format_event("done", {"answer_id": answer.pk, "status": answer.status, "duration_ms": answer.duration_ms})


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
