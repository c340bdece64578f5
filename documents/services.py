"""Writes for documents: accept an upload (or find its duplicate), ingest, re-ingest, delete, fail."""

from __future__ import annotations

import contextlib
import hashlib
import logging
import threading
import time
from datetime import timedelta
from pathlib import PureWindowsPath
from typing import IO, Any, cast

from django.conf import settings
from django.contrib.auth.models import User
from django.core.files import File
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from documents import ingest
from documents.chunking import Passage
from documents.extract import ExtractionError, detect
from documents.models import Document, shorten_name
from rag_app import leases
from rag_app.errors import ApplicationError, ServiceError
from rag_app.index import service as index
from rag_app.metrics import INGESTED

log = logging.getLogger(__name__)


def _base_name(name: str) -> str:
    """The file's own name, whatever path (POSIX or Windows, '..' or not) the client sent, cut to fit its column."""
    base = PureWindowsPath(name.replace("/", "\\")).name.strip() or "upload"
    return shorten_name(base, Document._meta.get_field("title").max_length or 255)


def document_create(*, owner: User, upload: File[Any], enqueue: bool = True) -> tuple[Document, bool]:
    """Validate an upload and store it as a queued document, or return the owner's identical one.

    Returns (document, created). The file's kind comes from its content; ingestion is enqueued
    once the row is committed (unless enqueue is False: the caller ingests it itself).
    """
    name = _base_name(upload.name or "upload")
    size = upload.size or 0
    limit = settings.MAX_UPLOAD_MB * 1024 * 1024
    if not size:
        raise ApplicationError(f"{name!r} is empty.", code="empty_file")
    if size > limit:
        raise ApplicationError(
            f"{name!r} is {size / 1048576:.1f} MB; the limit is {settings.MAX_UPLOAD_MB} MB.",
            status=413,
            code="file_too_large",
        )
    try:
        detected = detect(name, cast(IO[bytes], upload))
    except ExtractionError as exc:
        raise ApplicationError(f"{name!r}: {exc}", code="unsupported_file") from exc
    digest = hashlib.sha256()
    upload.seek(0)
    for block in upload.chunks():
        digest.update(block)
    upload.seek(0)
    sha256 = digest.hexdigest()
    with transaction.atomic():
        # Lock the owner's row so two uploads of the same file at once cannot both be created.
        User.objects.select_for_update().filter(pk=owner.pk).first()
        existing = Document.objects.filter(owner=owner, sha256=sha256).order_by("pk").first()
        if existing is not None:
            return existing, False
        document = Document(
            owner=owner,
            title=name,
            original_name=name,
            kind=detected.kind,
            mime_type=detected.mime_type,
            size=size,
            sha256=sha256,
            resend_at=leases.resend_after(FIRST_RESEND_SECONDS) if enqueue else None,
        )
        document.file.save(name, upload, save=False)
        try:
            document.save()
        except BaseException:
            document.file.delete(save=False)  # no row, no file
            raise
        if enqueue:
            _enqueue_on_commit(document.pk)
    return document, True


FIRST_RESEND_SECONDS = 10  # the outbox's first resend, in case the message sent on commit never got through


def _enqueue_on_commit(document_id: int) -> None:
    """Send the ingestion task on commit; the row's resend_at (set in the same transaction) is its outbox entry."""
    from documents.tasks import document_ingest_task

    leases.send_on_commit(document_ingest_task, document_id, row=(Document, document_id))


def document_reingest(*, document: Document, force: bool = False) -> Document:
    """Queue the document to be ingested again (after a failure, or with new settings or models).

    A document queued, or processing under a live lease, is refused unless force is given; one whose
    worker died (its lease expired) may be queued again at once.
    """
    busy = document.status == Document.Status.QUEUED or (
        document.status == Document.Status.PROCESSING
        and document.lease_expires_at is not None
        and document.lease_expires_at > timezone.now()
    )
    if busy and not force:
        raise ApplicationError("The document is already being processed.", status=409, code="busy")
    with transaction.atomic():
        document.status = Document.Status.QUEUED
        document.stage = Document.Stage.NONE
        document.error = ""
        document.progress_done = document.progress_total = 0
        document.worker_losses = 0
        document.resend_at = leases.resend_after(FIRST_RESEND_SECONDS)
        document.save(
            update_fields=[
                "status",
                "stage",
                "error",
                "progress_done",
                "progress_total",
                "worker_losses",
                "resend_at",
                "updated_at",
            ]
        )
        _enqueue_on_commit(document.pk)
    return document


def document_delete(*, document: Document) -> None:
    """Remove the document's vectors, rows and file (vectors first: a failure leaves nothing orphaned)."""
    try:
        index.remove(source="document", parent_id=document.pk, owner_id=document.owner_id)
    except ServiceError as exc:
        raise ApplicationError(
            f"The search index is unavailable, so the document was not deleted; try again. ({exc})",
            status=503,
            code="index_unavailable",
        ) from exc
    storage, path = document.file.storage, document.file.name
    with transaction.atomic():
        document.delete()
        if path:
            transaction.on_commit(lambda: storage.delete(path))


def document_ingest(*, document_id: int, deadline: float | None = None, queued_only: bool = False) -> Document:
    """Extract, chunk, embed and index a document under its lease; permanent problems mark it failed.

    Transient provider errors propagate so the task can retry. Re-running is harmless: chunks are
    replaced, vectors upserted by deterministic id, stale vectors removed. Two runs never overlap:
    one that finds the lease held returns the document as it is; with queued_only (the task), so does
    one that finds it ready or failed (a message delivered again after the work was done).
    """
    document = Document.objects.get(pk=document_id)
    allowed = Document.objects.all()
    if queued_only:
        allowed = allowed.filter(status__in=(Document.Status.QUEUED, Document.Status.PROCESSING))
    holder = leases.acquire(allowed, document.pk, status=Document.Status.PROCESSING, error="")
    if holder is None:
        log.info("Document %s is being ingested elsewhere or is finished; not ingesting it again", document_id)
        document.refresh_from_db()
        return document
    try:
        with leases.heartbeat(Document, document.pk, holder) as lost:
            return _ingest(document, deadline, lost, holder)
    finally:
        leases.release(Document, document.pk, holder)


def _ingest(document: Document, deadline: float | None, lost: threading.Event, holder: str) -> Document:
    document_id = document.pk
    try:
        return ingest.run(document, deadline=deadline, lost=lost)
    except ingest.LeaseLost:
        log.warning("Document %s: its lease was taken over; this run stops", document_id)
        document.refresh_from_db()
        return document
    except ingest.IngestPaused as paused:  # the time budget ran out: a new task carries on where this stopped
        log.info("Document %s: %s, continuing in a new task", document_id, paused)
        # The lease goes back first, so the new task can take it; resend_at is its outbox entry.
        leases.release(
            Document,
            document_id,
            holder,
            status=Document.Status.QUEUED,
            resend_at=leases.resend_after(FIRST_RESEND_SECONDS),
            updated_at=timezone.now(),
        )
        _enqueue_on_commit(document_id)
        return Document.objects.get(pk=document_id)
    except ingest.DocumentGone:
        log.info("Document %s was deleted during ingestion", document_id)
        raise Document.DoesNotExist(document_id) from None
    except ExtractionError as exc:
        return document_fail(document=document, reason=str(exc))
    except FileNotFoundError:  # its message is a path on the server, which means nothing to the user
        log.warning("Document %s: its file %s is missing", document_id, document.file.name)
        return document_fail(document=document, reason="The uploaded file is missing from storage; upload it again.")
    except ServiceError as exc:
        if exc.permanent:
            return document_fail(document=document, reason=str(exc))
        raise


def document_reindex(*, document: Document) -> int:
    """Write the document's chunks from the database into the index again (no extraction)."""
    passages = [
        Passage(index=c.index, text=c.text, page=c.page, heading=c.heading, generated_by=c.generated_by)
        for c in document.chunks.all()
    ]
    ingest.index_passages(document, passages, progress=ingest.Progress(document))
    Document.objects.filter(pk=document.pk).update(stage=Document.Stage.DONE)
    return len(passages)


def document_fail(*, document: Document, reason: str) -> Document:
    """Mark a document failed with a reason a person can read, leaving no chunks or vectors behind."""
    with contextlib.suppress(ServiceError):  # reconcile_index removes them later if Chroma is down now
        index.remove(source="document", parent_id=document.pk, owner_id=document.owner_id)
    document.chunks.all().delete()
    document.status = Document.Status.FAILED
    document.error = reason[:2000]
    document.chunk_count = 0
    # an update, not save(): the row may have been deleted meanwhile, and then there is nothing to mark
    Document.objects.filter(pk=document.pk).update(
        status=document.status, error=document.error, chunk_count=0, updated_at=timezone.now()
    )
    INGESTED.labels("failed").inc()
    log.warning("Document %s failed: %s", document.pk, reason)
    return document


def documents_reap() -> int:
    """Requeue a document whose worker died (once; the second time it fails), resend lost messages."""
    from documents.tasks import document_ingest_task

    count = 0
    for document in Document.objects.filter(leases.expired(), status=Document.Status.PROCESSING):
        lost = Document.objects.filter(leases.expired(), pk=document.pk, worker=document.worker)
        if document.worker_losses >= 1:
            if lost.update(lease_expires_at=None, worker=""):
                document_fail(
                    document=document,
                    reason="The worker processing this file stopped twice (it may be too large or too complex "
                    "for the server's memory or time limits); try again, or split the file.",
                )
                count += 1
            continue
        if lost.update(
            status=Document.Status.QUEUED,
            stage=Document.Stage.NONE,
            lease_expires_at=None,
            worker="",
            worker_losses=document.worker_losses + 1,
            resend_at=leases.resend_after(FIRST_RESEND_SECONDS),
            warnings="Its worker stopped; it was queued again.",
        ):
            log.warning("Document %s: its worker stopped; queued again", document.pk)
            leases.send(document_ingest_task, document.pk, row=(Document, document.pk))
            count += 1
    stale = timezone.now() - timedelta(seconds=settings.OUTBOX_RESEND_SECONDS)
    waiting = Document.objects.filter(leases.free(), status=Document.Status.QUEUED).filter(
        Q(resend_at__lt=timezone.now()) | Q(resend_at__isnull=True, updated_at__lt=stale)
    )
    for document_id in waiting.values_list("pk", flat=True):
        Document.objects.filter(pk=document_id).update(resend_at=leases.resend_after(FIRST_RESEND_SECONDS))
        count += leases.send(document_ingest_task, document_id, row=(Document, document_id))
    return count


def deadline_from_now() -> float:
    """The monotonic time by which an ingestion run must stop: a margin before the task's soft time limit."""
    limit = settings.CELERY_TASK_SOFT_TIME_LIMIT
    return time.monotonic() + limit - min(60.0, limit / 10)
