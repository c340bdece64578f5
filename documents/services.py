"""Writes for documents: accept an upload, ingest it into the index, record failure."""

from __future__ import annotations

import hashlib
import logging

from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from documents.chunking import chunk_pages
from documents.extract import ExtractionError, extract, kind_for
from documents.models import Chunk, Document, chunk_id
from rag_app import vectorstore
from rag_app.errors import ApplicationError
from rag_app.providers import registry
from rag_app.providers.base import ProviderError

log = logging.getLogger(__name__)


def document_create(*, owner: User, upload: UploadedFile) -> Document:
    """Validate an upload, store it as a queued document and enqueue its ingestion."""
    from documents.tasks import document_ingest_task

    name = upload.name or "upload"
    limit = settings.MAX_UPLOAD_MB * 1024 * 1024
    if not upload.size:
        raise ApplicationError(f"{name!r} is empty.", code="empty_file")
    if upload.size > limit:
        raise ApplicationError(
            f"{name!r} is {upload.size / 1048576:.1f} MB; the limit is {settings.MAX_UPLOAD_MB} MB.",
            status=413,
            code="file_too_large",
        )
    upload.seek(0)
    head = upload.read(2048)
    try:
        kind = kind_for(name, head)
    except ExtractionError as exc:
        raise ApplicationError(str(exc), code="unsupported_file") from exc
    digest = hashlib.sha256()
    upload.seek(0)
    for block in upload.chunks():
        digest.update(block)
    upload.seek(0)
    with transaction.atomic():
        document = Document.objects.create(
            owner=owner,
            title=name.rsplit("/", 1)[-1][:255],
            file=upload,
            original_name=name[:255],
            kind=kind,
            size=upload.size,
            sha256=digest.hexdigest(),
        )
        transaction.on_commit(lambda: document_ingest_task.delay(document.pk))
    return document


def document_ingest(*, document_id: int) -> Document:
    """Extract, chunk, embed and index a document; permanent problems mark it failed.

    Transient provider errors propagate so the task can retry. Re-running is harmless: chunks are
    replaced, vectors upserted by deterministic id, stale vectors removed.
    """
    document = Document.objects.get(pk=document_id)
    Document.objects.filter(pk=document.pk).update(status=Document.Status.PROCESSING, error="")
    try:
        with document.file.open("rb") as handle:
            data = handle.read()
        pages = extract(data, document.kind)
        passages = chunk_pages(pages, size=settings.CHUNK_SIZE, overlap=settings.CHUNK_OVERLAP)
        if not passages:
            raise ExtractionError("No text was found in the file (a scanned PDF needs OCR, not supported yet).")
        embedder = registry.embedder()
        vectors = embedder.embed([p.text for p in passages], batch_size=settings.EMBED_BATCH_SIZE)
    except (ExtractionError, FileNotFoundError) as exc:
        return document_fail(document=document, reason=str(exc))
    except ProviderError as exc:
        if exc.permanent:
            return document_fail(document=document, reason=str(exc))
        raise
    with transaction.atomic():
        document.chunks.all().delete()
        Chunk.objects.bulk_create(Chunk(document=document, index=p.index, text=p.text, page=p.page) for p in passages)
    vectorstore.upsert(
        [
            vectorstore.VectorItem(
                id=chunk_id(document.pk, p.index),
                embedding=vector,
                text=p.text,
                metadata={
                    "owner_id": document.owner_id,
                    "document_id": document.pk,
                    "index": p.index,
                    "page": p.page or 0,
                },
            )
            for p, vector in zip(passages, vectors, strict=True)
        ]
    )
    keep = {chunk_id(document.pk, p.index) for p in passages}
    stale = vectorstore.stored_ids(where={"document_id": document.pk}) - keep
    if stale:
        vectorstore.delete_ids(sorted(stale))
    document.status = Document.Status.READY
    document.page_count = max((p.number or 0 for p in pages), default=0) or None
    document.chunk_count = len(passages)
    document.error = ""
    document.save(update_fields=["status", "page_count", "chunk_count", "error", "updated_at"])
    log.info("Ingested document %s: %s chunks", document.pk, len(passages))
    return document


def document_fail(*, document: Document, reason: str) -> Document:
    """Mark a document failed with a reason a person can read."""
    document.status = Document.Status.FAILED
    document.error = reason[:2000]
    document.save(update_fields=["status", "error", "updated_at"])
    log.warning("Document %s failed: %s", document.pk, reason)
    return document
