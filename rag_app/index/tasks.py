"""Celery task of the index: build a generation (take the id, take the lease, call the service)."""

from __future__ import annotations

import logging
import time

from django.conf import settings

from rag_app import leases
from rag_app.errors import ServiceError
from rag_app.index import build
from rag_app.index.generations import BUILDING, FAILED
from rag_app.index.models import Generation
from rag_app.tasks import service_task

log = logging.getLogger(__name__)


def _fail(generation_id: int, reason: str) -> None:
    # It stays building: the reaper sends it again, and it resumes where it stopped.
    Generation.objects.filter(pk=generation_id).update(
        error=reason[:2000], lease_expires_at=None, worker="", resend_at=leases.resend_after()
    )


@service_task(doing="building an index generation", fail=_fail)
def generation_build_task(generation_id: int) -> None:
    """Build one generation (idempotent: a run skips what is stored; a second delivery finds the lease held)."""
    rows = Generation.objects.filter(state=BUILDING)
    holder = leases.acquire(rows, generation_id)
    if holder is None:
        return  # finished, dropped, or another worker builds it now
    limit = settings.CELERY_TASK_SOFT_TIME_LIMIT
    deadline = time.monotonic() + limit - min(60.0, limit / 10)
    again = False
    try:
        with leases.heartbeat(Generation, generation_id, holder) as lost:
            build.build(generation_id, lost=lost, deadline=deadline)
    except build.BuildStopped as stopped:
        log.info("%s", stopped)
        again = True
    except ServiceError as exc:
        if not exc.permanent:
            raise  # retried, then resent by the reaper: a server that is away comes back
        # Sending it again cannot help (a model the server does not have, vectors of another size): it stops,
        # takes no more writes, and says why; the operator drops it and starts one that works.
        Generation.objects.filter(pk=generation_id, state=BUILDING).update(state=FAILED, error=str(exc)[:2000])
        log.warning("index generation %s failed: %s", generation_id, exc)
    finally:
        leases.release(Generation, generation_id, holder)
    if again:
        leases.send(generation_build_task, generation_id, row=(Generation, generation_id))
