"""Worker side of readiness: a thread writes this worker's heartbeat row until the worker stops."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from typing import Any

from celery.signals import worker_ready, worker_shutdown
from django.conf import settings
from django.db import close_old_connections, connection
from django.utils import timezone

from rag_app.ops.models import WorkerHeartbeat

log = logging.getLogger(__name__)
_stop = threading.Event()
_hostname: list[str] = []


def beat(hostname: str, queues: Sequence[str]) -> None:
    """Record that this worker is alive now and which queues it consumes."""
    WorkerHeartbeat.objects.update_or_create(
        hostname=hostname, defaults={"queues": sorted(queues), "seen_at": timezone.now()}
    )


def forget(hostname: str) -> None:
    """A worker that stops says so, so readiness does not wait for its heartbeat to go stale."""
    WorkerHeartbeat.objects.filter(hostname=hostname).delete()


def _loop(hostname: str, queues: list[str]) -> None:
    while not _stop.is_set():
        try:
            close_old_connections()
            beat(hostname, queues)
        except Exception:  # a database blip must not end the heartbeat for good
            log.warning("worker heartbeat failed", exc_info=True)
        finally:
            connection.close()
        _stop.wait(settings.WORKER_HEARTBEAT_SECONDS)


def _queues_of(consumer: Any) -> list[str]:
    task_consumer = getattr(consumer, "task_consumer", None)
    return [queue.name for queue in getattr(task_consumer, "queues", [])]


def _started(sender: Any = None, **_: object) -> None:
    hostname = str(sender.hostname)
    _hostname[:] = [hostname]
    _stop.clear()
    threading.Thread(target=_loop, args=(hostname, _queues_of(sender)), name="heartbeat", daemon=True).start()


def _stopping(**_: object) -> None:
    _stop.set()
    for hostname in _hostname:
        try:
            forget(hostname)
        except Exception:
            log.warning("could not remove the worker heartbeat", exc_info=True)
        finally:
            connection.close()


def connect() -> None:
    """Start beating when a worker is ready to take tasks; stop and forget when it shuts down."""
    worker_ready.connect(_started, weak=False, dispatch_uid="ops-heartbeat-start")
    worker_shutdown.connect(_stopping, weak=False, dispatch_uid="ops-heartbeat-stop")
