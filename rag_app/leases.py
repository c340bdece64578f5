"""Leases on rows a worker is working on, the outbox that (re)sends their tasks, and the reaper's registry.

A task takes its row's lease by compare-and-set before it starts (a second delivery of the same work
finds it taken, or finished, and exits), keeps it alive with a heartbeat thread while it works, and
lets it go at the end. A worker that dies stops renewing: once the lease has expired the reaper
(a beat task, every REAPER_INTERVAL seconds) requeues the row or fails it with a reason. Work waiting
for a worker carries `resend_at`, written in the same transaction as the row: a message that never
reached the broker (or that a broker restart lost) is sent again when it passes.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connection, models, transaction
from django.db.models import Q
from django.utils import timezone

log = logging.getLogger(__name__)

Reaper = Callable[[], int]
_reapers: dict[str, Reaper] = {}


class Leased(models.Model):
    """The fields of a row that a worker leases: who holds it, until when, and when to send it again."""

    lease_expires_at = models.DateTimeField(null=True, blank=True, db_index=True)
    worker = models.CharField(max_length=120, blank=True, help_text="The worker holding the lease.")
    resend_at = models.DateTimeField(
        null=True, blank=True, db_index=True, help_text="Send its task again if no worker has taken it by then."
    )

    class Meta:
        abstract = True


# The admin shows these, never edits them: the workers and the reaper own them.
ADMIN_READONLY = ["lease_expires_at", "worker", "resend_at"]


def lease_seconds() -> float:
    return float(settings.LEASE_SECONDS)


def resend_after(seconds: float | None = None) -> datetime:
    """When queued work is sent again if no worker took it (OUTBOX_RESEND_SECONDS from now by default)."""
    return timezone.now() + timedelta(seconds=settings.OUTBOX_RESEND_SECONDS if seconds is None else seconds)


def new_holder() -> str:
    """A name for one holding of a lease: host, process and a random part."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"[:120]


def free() -> Q:
    """Rows nobody holds a live lease on."""
    return Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lt=timezone.now())


def expired() -> Q:
    """Rows whose holder stopped renewing."""
    return Q(lease_expires_at__isnull=False, lease_expires_at__lt=timezone.now())


def acquire(queryset: models.QuerySet[Any], pk: int, **changes: Any) -> str | None:
    """Take the lease on row pk if it is in queryset and free (compare-and-set); the holder, or None."""
    holder = new_holder()
    expires = timezone.now() + timedelta(seconds=lease_seconds())
    taken = queryset.filter(free(), pk=pk).update(lease_expires_at=expires, worker=holder, resend_at=None, **changes)
    return holder if taken else None


def release(model: type[models.Model], pk: int, holder: str, /, **changes: Any) -> bool:
    """Give the lease back (with changes to the row); False when someone else holds it now."""
    return bool(model._default_manager.filter(pk=pk, worker=holder).update(lease_expires_at=None, worker="", **changes))


def renew(model: type[models.Model], pk: int, holder: str) -> bool:
    """Push the lease's expiry on; False when it was lost (reaped, or the row deleted)."""
    expires = timezone.now() + timedelta(seconds=lease_seconds())
    return bool(model._default_manager.filter(pk=pk, worker=holder).update(lease_expires_at=expires))


@contextmanager
def heartbeat(model: type[models.Model], pk: int, holder: str) -> Iterator[threading.Event]:
    """Renew the lease every third of LEASE_SECONDS from a thread while the block runs.

    Yields an event that is set if the lease was lost, so long work can stop early.
    """
    stop, lost = threading.Event(), threading.Event()

    def beat() -> None:
        try:
            while not stop.wait(lease_seconds() / 3):
                try:
                    if not renew(model, pk, holder):
                        lost.set()
                        return
                except Exception:  # the database may be away a moment: try again next beat
                    log.warning("could not renew the lease on %s %s", model.__name__, pk, exc_info=True)
                    close_old_connections()
        finally:
            connection.close()  # this thread's own connection

    thread = threading.Thread(target=beat, name=f"lease-{model.__name__}-{pk}", daemon=True)
    thread.start()
    try:
        yield lost
    finally:
        stop.set()
        thread.join(timeout=5)


def send(task: Any, *args: Any, row: tuple[type[models.Model], int] | None = None) -> bool:
    """Send a task to the broker; on failure log it and leave the row's resend_at to the reaper.

    On success the row's resend_at moves to OUTBOX_RESEND_SECONDS from now (unless a worker took it).
    """
    try:
        task.apply_async(args=args, retry=False)
    except Exception:
        log.warning("could not send %s%s to the broker; the reaper sends it again", task.name, args, exc_info=True)
        return False
    if row is not None:
        model, pk = row
        model._default_manager.filter(pk=pk, resend_at__isnull=False).update(resend_at=resend_after())
    return True


def send_on_commit(task: Any, *args: Any, row: tuple[type[models.Model], int] | None = None) -> None:
    """Send the task once the current transaction commits (the row's resend_at is its outbox entry)."""
    transaction.on_commit(lambda: send(task, *args, row=row))


def register(name: str, reaper: Reaper) -> None:
    """Add an app's reaper: a function that requeues or fails its abandoned rows, returning how many."""
    _reapers[name] = reaper


def reap() -> dict[str, int]:
    """Run every registered reaper; one that fails is logged and the others still run."""
    done: dict[str, int] = {}
    for name, reaper in _reapers.items():
        try:
            done[name] = reaper()
        except Exception:
            log.exception("reaper %s failed", name)
    return {name: n for name, n in done.items() if n}
