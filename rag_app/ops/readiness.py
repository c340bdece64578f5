"""Readiness: can this process do its work? The database, the broker, Chroma, and a live worker per queue."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone
from kombu import Connection

from rag_app import vectorstore
from rag_app.ops.models import WorkerHeartbeat

log = logging.getLogger(__name__)
PROBE_TIMEOUT = 3  # seconds per dependency: probes run every few seconds


class NotReady(Exception):
    """A dependency is unreachable or missing; the message says which, without addresses or secrets."""


def database() -> None:
    """The database answers a query."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def broker() -> None:
    """The Celery broker accepts a connection."""
    options = dict(settings.CELERY_BROKER_TRANSPORT_OPTIONS)
    with Connection(settings.CELERY_BROKER_URL, transport_options=options, connect_timeout=PROBE_TIMEOUT) as conn:
        conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=PROBE_TIMEOUT)


def chroma() -> None:
    """The vector store answers its heartbeat."""
    vectorstore.heartbeat()


def workers() -> None:
    """Each queue has a worker whose heartbeat is at most three intervals old."""
    fresh_since = timezone.now() - timedelta(seconds=3 * settings.WORKER_HEARTBEAT_SECONDS)
    consumed = {q for row in WorkerHeartbeat.objects.filter(seen_at__gte=fresh_since) for q in row.queues}
    missing = [q for q in (settings.CELERY_TASK_DEFAULT_QUEUE, settings.CELERY_QA_QUEUE) if q not in consumed]
    if missing:
        raise NotReady(f"no live worker on queue {', '.join(missing)}")


CHECKS: dict[str, Callable[[], None]] = {"database": database, "broker": broker, "chroma": chroma, "worker": workers}


def readiness() -> dict[str, object]:
    """Each check's state ("ok" or "down"), the reason when down, and "ready" only if all are ok."""
    checks: dict[str, dict[str, str]] = {}
    for name, check in CHECKS.items():
        try:
            check()
            checks[name] = {"state": "ok"}
        except NotReady as exc:
            checks[name] = {"state": "down", "reason": str(exc)}
        except Exception as exc:  # noqa: BLE001 - any failure means down; details (hosts) go to the log
            log.warning("readiness: %s is down: %s", name, exc)
            checks[name] = {"state": "down", "reason": f"{name} unreachable ({type(exc).__name__})"}
    ready = all(c["state"] == "ok" for c in checks.values())
    return {"status": "ready" if ready else "not ready", "checks": checks}
