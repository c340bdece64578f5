"""Celery tasks for documents: take an id, call a service."""

from __future__ import annotations

from celery import Task, shared_task

from documents import services
from documents.models import Document
from rag_app.providers.base import ProviderError

MAX_RETRIES = 5


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=MAX_RETRIES)
def document_ingest_task(self: Task[[int], None], document_id: int) -> None:
    """Ingest one document; transient provider errors retry with backoff, then mark it failed.

    acks_late is safe because ingestion is idempotent (deterministic ids, upserts).
    """
    try:
        services.document_ingest(document_id=document_id)
    except Document.DoesNotExist:
        return  # deleted before the worker got to it
    except ProviderError as exc:
        if self.request.retries >= MAX_RETRIES:
            document = Document.objects.get(pk=document_id)
            services.document_fail(document=document, reason=f"Gave up after {MAX_RETRIES} retries: {exc}")
            return
        raise self.retry(exc=exc, countdown=min(300, 5 * 2**self.request.retries)) from exc
    except Exception as exc:
        unfinished = Document.objects.filter(pk=document_id).first()
        if unfinished is not None:
            services.document_fail(document=unfinished, reason=f"Internal error while ingesting: {exc}")
        raise
