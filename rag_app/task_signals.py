"""Celery's signals wired to the logs and the metrics: ids bound per task, outcomes and run times counted.

The queuing side puts its request id and user in the message headers; the worker binds them with the
task id and the ids the task was passed (by parameter name: document_id, answer_id, ...), so every
line of that work says whose it is. Celery is told not to configure logging: Django's LOGGING applies.
"""

from __future__ import annotations

import functools
import inspect
import os
import threading
import time
from typing import Any

from celery import signals
from prometheus_client import multiprocess

from rag_app import logs, metrics

HEADERS = {"request_id": "rag_request_id", "user_id": "rag_user_id"}

_started: dict[str, float] = {}
_lock = threading.Lock()


@functools.cache
def _parameters(task: Any) -> tuple[str, ...]:
    """The task function's parameter names (through service_task's wrapper)."""
    try:
        return tuple(inspect.signature(inspect.unwrap(task.run)).parameters)
    except (TypeError, ValueError):
        return ()


@signals.setup_logging.connect
def _keep_django_logging(**_: Any) -> None:
    """Connected, so Celery leaves the root logger to Django's LOGGING (JSON or plain, with the ids)."""


@signals.before_task_publish.connect
def _send_ids(headers: dict[str, Any] | None = None, **_: Any) -> None:
    if headers is None:
        return
    bound = logs.current()
    for name, header in HEADERS.items():
        if bound.get(name) is not None:
            headers[header] = bound[name]


@signals.task_prerun.connect
def _bind_ids(task_id: str = "", task: Any = None, args: Any = (), kwargs: Any = None, **_: Any) -> None:
    logs.clear()
    passed = dict(zip(_parameters(task), args or (), strict=False)) | dict(kwargs or {})
    ids: dict[str, logs.Value] = {name: passed[name] for name in logs.IDS if name in passed}
    for name, header in HEADERS.items():
        value = getattr(task.request, header, None) if task is not None else None
        if value is not None and name not in ids:
            ids[name] = value
    logs.set_ids(**ids, task_id=task_id)
    with _lock:
        _started[task_id] = time.monotonic()


@signals.task_postrun.connect
def _unbind_ids(task_id: str = "", task: Any = None, **_: Any) -> None:
    with _lock:
        started = _started.pop(task_id, None)
    if started is not None and task is not None:
        metrics.TASK_SECONDS.labels(task.name).observe(time.monotonic() - started)
    logs.clear()


def _count(outcome: str, sender: Any) -> None:
    name = getattr(sender, "name", None) or str(sender)
    metrics.TASKS.labels(name, outcome).inc()


@signals.task_success.connect
def _succeeded(sender: Any = None, **_: Any) -> None:
    _count("success", sender)


@signals.task_failure.connect
def _failed(sender: Any = None, **_: Any) -> None:
    _count("failure", sender)


@signals.task_retry.connect
def _retried(sender: Any = None, **_: Any) -> None:
    _count("retry", sender)


@signals.task_revoked.connect
def _revoked(sender: Any = None, **_: Any) -> None:
    _count("revoked", sender)


@signals.worker_ready.connect
def _serve_metrics(**_: Any) -> None:
    """WORKER_METRICS_PORT: the worker serves its figures itself (when no web shares its PROMETHEUS_MULTIPROC_DIR)."""
    from django.conf import settings

    if settings.WORKER_METRICS_PORT:
        metrics.serve_process_metrics(settings.WORKER_METRICS_PORT)


@signals.worker_process_shutdown.connect
@signals.worker_shutdown.connect
def _forget_process(**_: Any) -> None:
    """A process that ends takes its live gauges with it (the counters stay added up)."""
    if metrics.multiprocess_dir() is not None:
        multiprocess.mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]
