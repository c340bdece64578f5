"""The ingestion pipeline: extract, chunk, embed in concurrent batches, index; progress recorded per stage."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from documents.chunking import Passage, chunk_pages
from documents.extract import ExtractionError, extract
from documents.models import Chunk, Document
from rag_app.index import service as index
from rag_app.index.items import IndexPassage
from rag_app.metrics import INGEST_STAGE_SECONDS, INGESTED

log = logging.getLogger(__name__)

PROGRESS_EVERY = 0.5  # seconds between progress writes: often enough for a person, rare for the database


class DocumentGone(Exception):
    """The document was deleted while it was being ingested."""


class LeaseLost(Exception):
    """The reaper took this document's lease away (it thought the worker dead): another run owns it now."""


class IngestTimeout(ExtractionError):
    """Ingestion ran past its time budget; the document is marked failed, not left processing."""


class IngestPaused(index.KeepWritten):
    """The time budget ran out while embedding, after this run indexed some batches: a new run resumes."""

    def __init__(self, done: int, total: int) -> None:
        super().__init__(f"indexed {done} of {total} passages")
        self.done, self.total = done, total


class Progress:
    """Writes the current stage and done/total to the document, at most every PROGRESS_EVERY seconds."""

    clock = staticmethod(time.monotonic)

    def __init__(
        self, document: Document, *, deadline: float | None = None, lost: threading.Event | None = None
    ) -> None:
        self.document_id = document.pk
        self.deadline = deadline
        self.lost = lost
        self._last = 0.0
        self._stage: Document.Stage | None = None
        self._start = 0  # where this run started in the stage (a resumed run skips what is stored)

    def stage(self, stage: Document.Stage, total: int = 0) -> None:
        """Start a stage (done resets to 0)."""
        self._check_deadline()
        self._stage, self._start = stage, 0
        self._write(stage=stage, progress_done=0, progress_total=total, stage_started_at=timezone.now())

    def advance(self, done: int, total: int | None = None) -> None:
        """Record progress within the stage (throttled); past the deadline while embedding, pause if it moved."""
        moved = done > self._start and (total is None or done < total)
        if self._stage == Document.Stage.EMBEDDING and moved and self._late():
            self._write(progress_done=done)
            raise IngestPaused(done, total or done)
        self._check_deadline()
        now = time.monotonic()
        if now - self._last < PROGRESS_EVERY and (total is None or done < total):
            return
        fields: dict[str, object] = {"progress_done": done}
        if total is not None:
            fields["progress_total"] = total
        self._write(**fields)

    def resumed(self, done: int, total: int) -> None:
        """Start this run at done: earlier runs stored the rest."""
        log.info("Document %s: %s of %s passages indexed already, embedding the rest", self.document_id, done, total)
        self._start = done
        self.advance(done, total)

    def _write(self, **fields: object) -> None:
        _time_stage(self, fields.get("stage"))
        self._last = time.monotonic()
        if not Document.objects.filter(pk=self.document_id).update(**fields):
            raise DocumentGone(self.document_id)

    def late(self) -> bool:
        """Whether this run's time budget is spent."""
        return self._late()

    def _late(self) -> bool:
        return self.deadline is not None and self.clock() > self.deadline

    def _check_deadline(self) -> None:
        if self.lost is not None and self.lost.is_set():
            raise LeaseLost(self.document_id)
        if self._late():
            raise IngestTimeout(
                f"Ingestion took longer than {settings.CELERY_TASK_SOFT_TIME_LIMIT} s and was stopped; "
                "split the file or raise CELERY_TASK_SOFT_TIME_LIMIT."
            )


def run(document: Document, *, deadline: float | None = None, lost: threading.Event | None = None) -> Document:
    """Ingest one document; raises ExtractionError (permanent), ProviderError, DocumentGone, LeaseLost."""
    progress = Progress(document, deadline=deadline, lost=lost)
    progress.stage(Document.Stage.EXTRACTING)
    with document.file.open("rb") as handle:
        data = handle.read()
    extracted = extract(data, document.kind, progress=progress.advance)
    progress.stage(Document.Stage.CHUNKING, total=len(extracted.pages))
    passages = chunk_pages(extracted.pages, size=settings.CHUNK_TOKENS, overlap=settings.CHUNK_OVERLAP_TOKENS)
    if not passages:
        missing = " ".join(extracted.warnings)
        raise ExtractionError(f"No text was found in the file. {missing}".strip())
    resume = _stored_unchanged(document, passages)
    if not resume:
        _store_chunks(document, passages)
        if progress.late():  # a huge file's chunks took the budget: they are kept, and the next run embeds them
            raise IngestPaused(0, len(passages))
    index_passages(document, passages, progress=progress, resume=resume)
    progress.stage(Document.Stage.STORING, total=1)
    numbers = [p.number for p in extracted.pages if p.number is not None]
    document.status = Document.Status.READY
    document.page_count = max(numbers) if numbers else None
    document.chunk_count = len(passages)
    document.error = ""
    document.warnings = "\n".join(extracted.warnings)
    document.stage = Document.Stage.DONE
    document.progress_done = document.progress_total = 1
    if not Document.objects.filter(pk=document.pk).exists():
        raise DocumentGone(document.pk)
    document.save(
        update_fields=[
            "status",
            "page_count",
            "chunk_count",
            "error",
            "warnings",
            "stage",
            "progress_done",
            "progress_total",
            "updated_at",
        ]
    )
    _time_stage(progress, Document.Stage.DONE)
    INGESTED.labels("ready").inc()
    log.info("Ingested document %s: %s chunks", document.pk, len(passages))
    return document


def _row(passage: Passage) -> tuple[int, str, int | None, str, str]:
    return (passage.index, passage.text, passage.page, passage.heading[:255], passage.generated_by[:100])


def _stored_unchanged(document: Document, passages: Sequence[Passage]) -> bool:
    """Whether the database already holds exactly these chunks (an earlier run stopped after storing them).

    Then the vectors stored under their ids were made from the same texts, and indexing resumes.
    """
    if document.chunks.count() != len(passages):
        return False
    stored = document.chunks.order_by("index").values_list("index", "text", "page", "heading", "generated_by")
    return all(tuple(row) == _row(p) for row, p in zip(stored.iterator(chunk_size=2000), passages, strict=True))


def _store_chunks(document: Document, passages: Sequence[Passage]) -> None:
    with transaction.atomic():
        document.chunks.all().delete()
        Chunk.objects.bulk_create(
            (
                Chunk(document=document, index=i, text=text, page=page, heading=heading, generated_by=by)
                for i, text, page, heading, by in map(_row, passages)
            ),
            batch_size=500,
        )


def _extra(document: Document, passage: Passage) -> dict[str, str | int | float | bool]:
    """What a document passage adds to the index item's metadata (shown with citations, filterable)."""
    return {
        "page": passage.page or 0,
        "kind": document.kind,
        "heading": passage.heading,
        "generated_by": passage.generated_by,
    }


def index_passages(
    document: Document, passages: Sequence[Passage], *, progress: Progress, resume: bool = False
) -> None:
    """Embed the passages in batches into the index, replacing what the document had there.

    resume: passages whose vectors are already stored are skipped (see _stored_unchanged).
    """
    progress.stage(Document.Stage.EMBEDDING, total=len(passages))
    index.replace(
        source="document",
        parent_id=document.pk,
        owner_id=document.owner_id,
        passages=[IndexPassage(p.index, p.text, _extra(document, p)) for p in passages],
        on_progress=progress.advance,
        resume=resume,
        on_resume=progress.resumed,
    )


def _time_stage(progress: Progress, stage: object) -> None:
    """At a stage's start (or the end: DONE), observe how long the stage before it took."""
    if stage is None:
        return
    now = time.monotonic()
    timing: tuple[str, float] | None = getattr(progress, "_timing", None)
    if timing is not None:
        INGEST_STAGE_SECONDS.labels(timing[0]).observe(now - timing[1])
    progress._timing = (str(stage), now) if stage != Document.Stage.DONE else None  # type: ignore[attr-defined]
