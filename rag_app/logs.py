"""Which work a log line belongs to: ids held in contextvars, stamped on every record, in JSON or plain lines.

A request binds its request id (and, once authenticated, its user); a Celery task binds its task id,
the ids it was passed and the request id and user of whoever queued it. Any logger's lines then carry
them, with no change to the call sites.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
from collections.abc import Iterator
from typing import Any

from django.utils.functional import SimpleLazyObject, empty

IDS = ("request_id", "user_id", "document_id", "note_id", "answer_id", "batch_id", "task_id")
Value = str | int | None

_vars: dict[str, contextvars.ContextVar[Value]] = {name: contextvars.ContextVar(name, default=None) for name in IDS}
_request: contextvars.ContextVar[Any] = contextvars.ContextVar("log_request", default=None)


def _user_id(request: Any) -> int | None:
    """The request's user id if authentication already ran; never runs it (a log line must not query)."""
    user = request.__dict__.get("user")  # DRF sets the Django request's user when it authenticates
    if isinstance(user, SimpleLazyObject):
        wrapped = user.__dict__.get("_wrapped", empty)
        user = None if wrapped is empty else wrapped
    if user is not None and getattr(user, "is_authenticated", False):
        return int(user.pk)
    return None


def current() -> dict[str, Value]:
    """The ids bound now, unset ones left out."""
    ids = {name: var.get() for name, var in _vars.items()}
    request = _request.get()
    if ids["user_id"] is None and request is not None:
        ids["user_id"] = _user_id(request)
    return {name: value for name, value in ids.items() if value is not None}


def set_ids(**ids: Value) -> None:
    """Bind ids until they are set again (Celery's signals: a task's start and end are separate calls)."""
    for name, value in ids.items():
        _vars[name].set(value)


def clear() -> None:
    """Unbind every id (a worker thread is reused by the next task)."""
    set_ids(**dict.fromkeys(IDS))
    _request.set(None)


@contextlib.contextmanager
def bind(request: Any = None, **ids: Value) -> Iterator[None]:
    """Bind ids (and a request whose user is read lazily) for the block."""
    tokens = [(_vars[name], _vars[name].set(value)) for name, value in ids.items()]
    request_token = _request.set(request) if request is not None else None
    try:
        yield
    finally:
        for var, token in reversed(tokens):
            var.reset(token)
        if request_token is not None:
            _request.reset(request_token)


class ContextFilter(logging.Filter):
    """Stamps the bound ids on each record passing the handler (JSON writes them as fields)."""

    def filter(self, record: logging.LogRecord) -> bool:
        for name, value in current().items():
            setattr(record, name, value)
        return True


class PlainFormatter(logging.Formatter):
    """A readable line, the bound ids after the message (`[request_id=… user_id=…]`)."""

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        ids = " ".join(f"{name}={getattr(record, name)}" for name in IDS if getattr(record, name, None) is not None)
        if not ids:
            return line
        first, newline, rest = line.partition("\n")  # a traceback stays below the line it belongs to
        return f"{first} [{ids}]{newline}{rest}"
