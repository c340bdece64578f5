"""Celery tasks for documents: take an id, call a service."""

from __future__ import annotations

import logging
import random

from celery import Task, shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings

from documents import services
from documents.models import Document
from rag_app.providers.base import ProviderError

log = logging.getLogger(__name__)
INTERNAL_ERROR = (
    "An unexpected error stopped the processing of this file; it has been logged for the administrator. "
    "Try again, and if it fails again the file is probably one this app cannot read."
)


def backoff(retries: int) -> int:
    """Seconds before retry number retries+1: exponential from 5 s, capped at 5 minutes, with jitter."""
    return min(300, 5 * (1 << min(retries, 10))) + random.randint(0, 5)


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=None)
def document_ingest_task(self: Task[[int], None], document_id: int) -> None:
    """Ingest one document; only transient provider errors retry (with backoff), then it is marked failed.

    acks_late is safe because ingestion is idempotent (deterministic ids, upserts, stale vectors
    removed): a worker that dies mid-way leaves the message to be delivered again.
    """
    try:
        services.document_ingest(document_id=document_id, deadline=services.deadline_from_now())
    except Document.DoesNotExist:
        return  # deleted before or while the worker got to it
    except ProviderError as exc:  # document_ingest lets only transient ones through
        document = Document.objects.filter(pk=document_id).first()
        if document is None:
            return
        retries = self.request.retries
        if retries >= settings.INGEST_RETRIES:
            services.document_fail(document=document, reason=f"Gave up after {retries} retries: {exc}")
            return
        countdown = backoff(retries)
        Document.objects.filter(pk=document_id).update(
            status=Document.Status.QUEUED,
            stage=Document.Stage.NONE,
            warnings=f"Retry {retries + 1} of {settings.INGEST_RETRIES} in {countdown} s: {exc}",
        )
        raise self.retry(exc=exc, countdown=countdown) from exc
    except SoftTimeLimitExceeded:
        unfinished = Document.objects.filter(pk=document_id).first()
        if unfinished is not None:
            services.document_fail(
                document=unfinished,
                reason=f"Ingestion took longer than {settings.CELERY_TASK_SOFT_TIME_LIMIT} s and was stopped.",
            )
    except Exception:
        log.exception("Document %s: unexpected error", document_id)
        unfinished = Document.objects.filter(pk=document_id).first()
        if unfinished is not None:
            # the exception's text is for the log above: it names code, not anything the user can change
            services.document_fail(document=unfinished, reason=INTERNAL_ERROR)
        raise
