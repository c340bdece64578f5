"""Reads for documents, always scoped to an owner."""

from datetime import datetime

from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.utils import timezone

from documents.models import Chunk, Document
from documents.search import matching_documents


def document_list(*, owner: User, query: str = "", status: str = "") -> QuerySet[Document]:
    """The owner's documents, newest first; query searches titles and passages, status filters (unknown: ignored)."""
    documents = matching_documents(Document.objects.filter(owner=owner), owner=owner, query=query)
    if status in Document.Status.values:
        documents = documents.filter(status=status)
    return documents


def document_is_busy(document: Document) -> bool:
    """Whether the worker still has to finish the document (queued or processing)."""
    return document.status in (Document.Status.QUEUED, Document.Status.PROCESSING)


def chunk_list(*, owner: User, chunk_keys: list[tuple[int, int]]) -> dict[tuple[int, int], Chunk]:
    """The owner's chunks of ready documents, by (document_id, index), with their documents."""
    if not chunk_keys:
        return {}
    document_ids = {document_id for document_id, _ in chunk_keys}
    chunks = Chunk.objects.filter(
        document__owner=owner,
        document__status=Document.Status.READY,
        document_id__in=document_ids,
        index__in={index for _, index in chunk_keys},
    ).select_related("document")
    wanted = set(chunk_keys)
    return {(c.document_id, c.index): c for c in chunks if (c.document_id, c.index) in wanted}


def document_progress(document: Document, *, now: datetime | None = None) -> dict[str, object]:
    """The current stage, done/total within it, and an estimate of the seconds the stage still needs."""
    eta: int | None = None
    done, total = document.progress_done, document.progress_total
    if document.status == Document.Status.READY:
        eta = 0
    elif document.status == Document.Status.PROCESSING and document.stage_started_at and 0 < done < total:
        elapsed = ((now or timezone.now()) - document.stage_started_at).total_seconds()
        eta = max(0, round(elapsed / done * (total - done)))
    return {"stage": document.stage or None, "done": done, "total": total, "eta_seconds": eta}
