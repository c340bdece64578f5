"""Celery tasks for documents: take an id, call a service (retries: rag_app/tasks.py)."""

from __future__ import annotations

from django.conf import settings

from documents import services
from documents.models import Document
from rag_app import leases
from rag_app.tasks import BACKOFF_MAX, service_task


def _fail(document_id: int, reason: str) -> None:
    document = Document.objects.filter(pk=document_id).first()
    if document is not None:
        services.document_fail(document=document, reason=reason)


def _retrying(document_id: int, note: str) -> None:
    # The retry waits in the broker (or the worker's memory) up to BACKOFF_MAX; the outbox resends it after that.
    Document.objects.filter(pk=document_id).update(
        status=Document.Status.QUEUED,
        stage=Document.Stage.NONE,
        warnings=note,
        resend_at=leases.resend_after(BACKOFF_MAX + settings.OUTBOX_RESEND_SECONDS),
    )


@service_task(doing="processing this file", fail=_fail, on_retry=_retrying, retries="INGEST_RETRIES")
def document_ingest_task(document_id: int) -> None:
    """Ingest one document (idempotent: deterministic ids, upserts, stale vectors removed).

    A second delivery (a redelivery after a lost worker, a resend by the outbox) finds the lease held or
    the document finished and does nothing.
    """
    try:
        services.document_ingest(document_id=document_id, deadline=services.deadline_from_now(), queued_only=True)
    except Document.DoesNotExist:
        return  # deleted before or while the worker got to it
