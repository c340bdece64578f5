"""The one retry policy of the app's Celery tasks, and the one place a task's last failure is recorded.

A transient service error (a model server or Chroma unreachable, overloaded, timing out) is retried
with Celery's exponential backoff with full jitter, up to a count from settings; a permanent one, the
time limit, or an unexpected exception goes to the task's fail hook at once, which marks its row
failed with a reason a person can read. Tasks using it take one id and must be idempotent: they are
acknowledged late, so a worker lost mid-way leaves the message to be delivered again.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from celery import Task, shared_task
from celery.exceptions import SoftTimeLimitExceeded
from celery.utils.time import get_exponential_backoff_interval
from django.conf import settings

from rag_app import leases
from rag_app.errors import ServiceError

log = logging.getLogger(__name__)

Hook = Callable[[int, str], None]

BACKOFF_FACTOR = 5  # seconds before the first retry, doubling each time ...
BACKOFF_MAX = 300  # ... up to five minutes


def backoff(retries: int) -> int:
    """Seconds before retry number retries+1: exponential from BACKOFF_FACTOR, capped, full jitter."""
    return int(get_exponential_backoff_interval(BACKOFF_FACTOR, retries, BACKOFF_MAX, full_jitter=True))


def service_task(
    *,
    doing: str,
    fail: Hook | None = None,
    on_retry: Hook | None = None,
    retries: str = "TASK_RETRIES",
    **options: Any,
) -> Callable[[Callable[[int], None]], Task[[int], None]]:
    """Make fn(item_id) a Celery task with the policy above.

    doing: what the task does, for reasons ("processing this file"); fail(item_id, reason) records the last
    failure; on_retry(item_id, note) records that a retry is coming; retries names the setting that
    counts them (read at run time, so tests and operators can change it).
    """

    def decorate(fn: Callable[[int], None]) -> Task[[int], None]:
        @shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=None, **options)
        @functools.wraps(fn)
        def run(self: Task[[int], None], item_id: int) -> None:
            def failed(reason: str) -> None:
                if fail is not None:
                    fail(item_id, reason)

            try:
                fn(item_id)
            except ServiceError as exc:
                allowed = int(getattr(settings, retries))
                if exc.permanent:
                    failed(str(exc))
                    return
                if self.request.retries >= allowed:
                    failed(f"Gave up after {self.request.retries} retries: {exc}")
                    return
                countdown = backoff(self.request.retries)
                if on_retry is not None:
                    on_retry(item_id, f"Retry {self.request.retries + 1} of {allowed} in {countdown} s: {exc}")
                raise self.retry(exc=exc, countdown=countdown) from exc
            except SoftTimeLimitExceeded:
                failed(f"Stopped while {doing}: it took longer than {settings.CELERY_TASK_SOFT_TIME_LIMIT} s.")
            except Exception:
                # The exception's text is for the log: to a user it is a repr or a library's internals.
                log.exception("%s %s: unexpected error", fn.__name__, item_id)
                failed(
                    f"An unexpected error stopped {doing}; it has been logged for the administrator. "
                    "Try again, and if it fails again, tell them."
                )
                raise

        return run  # type: ignore[no-any-return]

    return decorate


@shared_task(ignore_result=True, soft_time_limit=120, time_limit=150)
def reap_task() -> dict[str, int]:
    """Requeue or fail the work of workers that stopped, and send queued work whose message was lost.

    Beat runs the same in a thread of its own (rag_app/celery.py); this task is for running it by hand.
    """
    done = leases.reap()
    if done:
        log.info("reaper: %s", done)
    return done
