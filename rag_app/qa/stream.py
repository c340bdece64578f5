"""The events of an answer as it is generated (token, citations, done, error).

The worker writes them and the web processes relay them: through Redis Streams when REDIS_URL is
set, through database rows otherwise (the embedded stack has no Redis).
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import redis
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from rag_app.qa.models import AnswerEvent

_POLL_SECONDS = 0.05
_KEEP_SECONDS = 3600  # a client may reconnect (Last-Event-ID) within the hour
_FINAL = frozenset({"done", "error"})
_lock = threading.Lock()
_clients: dict[str, redis.Redis] = {}


@dataclass(frozen=True)
class Event:
    """One event: its id (for Last-Event-ID), kind and JSON data."""

    id: str
    kind: str
    data: dict[str, Any]
    raw: str = ""  # the data as JSON, as stored (Redis): relayed as it is, not parsed and dumped again


def _redis() -> redis.Redis | None:
    if not settings.REDIS_URL:
        return None
    with _lock:
        if settings.REDIS_URL not in _clients:
            # Reads block for up to KEEPALIVE seconds (sse.py); redis-py's default 5 s socket timeout
            # would cut them short.
            _clients[settings.REDIS_URL] = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=60)
        return _clients[settings.REDIS_URL]


def _key(answer_id: int) -> str:
    # The database's name keeps two deployments (or test runs) sharing one Redis apart.
    return f"rag:{settings.DATABASES['default']['NAME']}:answer:{answer_id}:events"


def reset(answer_id: int) -> None:
    """Forget any events stored under this answer's id (ids restart when a database is recreated)."""
    client = _redis()
    if client is not None:
        client.delete(_key(answer_id))


def _flag(answer_id: int, name: str) -> str:
    return f"{_key(answer_id).removesuffix(':events')}:{name}"


def request_cancel(answer_id: int) -> None:
    """Ask the worker generating this answer to stop (it looks between chunks; the database says so too)."""
    client = _redis()
    if client is not None:
        client.set(_flag(answer_id, "cancel"), "1", ex=_KEEP_SECONDS)


def left(answer_id: int) -> None:
    """The asker's stream closed before the answer was final (Redis only: the time is kept)."""
    client = _redis()
    if client is not None:
        client.set(_flag(answer_id, "left"), str(time.time()), ex=_KEEP_SECONDS)


def joined(answer_id: int) -> None:
    """Someone is listening to the answer again (a reload, a reconnect)."""
    client = _redis()
    if client is not None:
        client.delete(_flag(answer_id, "left"))


def stop_reason(answer_id: int, grace: float) -> str:
    """Why the worker should stop generating ("" to go on): cancelled, or nobody listening for grace s."""
    client = _redis()
    if client is None:
        return ""
    cancel, gone = client.mget(_flag(answer_id, "cancel"), _flag(answer_id, "left"))
    if cancel:
        return "cancelled"
    if gone and time.time() - float(gone) >= grace:
        return "abandoned"
    return ""


class Publisher:
    """Writes one answer's events in order (the worker generating it is the only writer).

    Someone else may end the answer (the reaper, a cancel): on the database transport its event takes
    the next free number.
    """

    def __init__(self, answer_id: int) -> None:
        self.answer_id = answer_id
        self.seq = 0
        self.client = _redis()

    def send(self, kind: str, data: dict[str, Any]) -> None:
        """Append an event."""
        self.seq += 1
        if self.client is not None:
            key = _key(self.answer_id)
            if self.seq > 1 and kind not in _FINAL:
                self.client.xadd(key, {"kind": kind, "data": json.dumps(data)})  # one command per event
                return
            # The first event sets the key's expiry for the whole answer (it cannot outlast ANSWER_TIMEOUT),
            # the final one restarts it for the reconnect window; one round trip, no MULTI.
            pipe = self.client.pipeline(transaction=False)
            pipe.xadd(key, {"kind": kind, "data": json.dumps(data)})
            pipe.expire(key, _KEEP_SECONDS + (0 if kind in _FINAL else int(settings.ANSWER_TIMEOUT)))
            pipe.execute()
        else:
            try:
                with transaction.atomic():
                    AnswerEvent.objects.create(answer_id=self.answer_id, seq=self.seq, kind=kind, data=data)
            except IntegrityError:
                last = AnswerEvent.objects.filter(answer_id=self.answer_id).aggregate(n=Max("seq"))["n"] or 0
                self.seq = last + 1
                AnswerEvent.objects.create(answer_id=self.answer_id, seq=self.seq, kind=kind, data=data)


def read(answer_id: int, after: str, timeout: float) -> list[Event]:
    """The events after `after` ("0" for all), waiting up to timeout seconds for the first one."""
    client = _redis()
    if client is not None:
        found: Any = client.xread({_key(answer_id): after or "0"}, block=max(1, int(timeout * 1000)))
        return [
            Event(_text(event_id), _text(fields[b"kind"]), json.loads(fields[b"data"]), _text(fields[b"data"]))
            for _, entries in found
            for event_id, fields in entries
        ]
    deadline = time.monotonic() + timeout
    last = int(after) if after.isdigit() else 0
    while True:
        rows = list(AnswerEvent.objects.filter(answer_id=answer_id, seq__gt=last).values_list("seq", "kind", "data"))
        if rows or time.monotonic() >= deadline:
            return [Event(str(seq), kind, data) for seq, kind, data in rows]
        time.sleep(_POLL_SECONDS)


def forget_old() -> int:
    """Delete database events older than the reconnect window (Redis expires its own)."""
    cutoff = timezone.now() - timedelta(seconds=_KEEP_SECONDS)
    deleted, _ = AnswerEvent.objects.filter(answer__finished_at__lt=cutoff).delete()
    return deleted


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
