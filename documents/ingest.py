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


class Progress:
    """Writes the current stage and done/total to the document, at most every PROGRESS_EVERY seconds."""

    def __init__(
        self, document: Document, *, deadline: float | None = None, lost: threading.Event | None = None
    ) -> None:
        self.document_id = document.pk
        self.deadline = deadline
        self.lost = lost
        self._last = 0.0

    def stage(self, stage: Document.Stage, total: int = 0) -> None:
        """Start a stage (done resets to 0)."""
        self._check_deadline()
        self._write(stage=stage, progress_done=0, progress_total=total, stage_started_at=timezone.now())

    def advance(self, done: int, total: int | None = None) -> None:
        """Record progress within the stage (throttled)."""
        self._check_deadline()
        now = time.monotonic()
        if now - self._last < PROGRESS_EVERY and (total is None or done < total):
            return
        fields: dict[str, object] = {"progress_done": done}
        if total is not None:
            fields["progress_total"] = total
        self._write(**fields)

    def _write(self, **fields: object) -> None:
        _time_stage(self, fields.get("stage"))
        self._last = time.monotonic()
        if not Document.objects.filter(pk=self.document_id).update(**fields):
            raise DocumentGone(self.document_id)

    def _check_deadline(self) -> None:
        if self.lost is not None and self.lost.is_set():
            raise LeaseLost(self.document_id)
        if self.deadline is not None and time.monotonic() > self.deadline:
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
    with transaction.atomic():
        document.chunks.all().delete()
        Chunk.objects.bulk_create(
            (
                Chunk(
                    document=document,
                    index=p.index,
                    text=p.text,
                    page=p.page,
                    heading=p.heading[:255],
                    generated_by=p.generated_by[:100],
                )
                for p in passages
            ),
            batch_size=500,
        )
    index_passages(document, passages, progress=progress)
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


def _extra(document: Document, passage: Passage) -> dict[str, str | int | float | bool]:
    """What a document passage adds to the index item's metadata (shown with citations, filterable)."""
    return {
        "page": passage.page or 0,
        "kind": document.kind,
        "heading": passage.heading,
        "generated_by": passage.generated_by,
    }


def index_passages(document: Document, passages: Sequence[Passage], *, progress: Progress) -> None:
    """Embed the passages in batches into the index, replacing what the document had there."""
    progress.stage(Document.Stage.EMBEDDING, total=len(passages))
    index.replace(
        source="document",
        parent_id=document.pk,
        owner_id=document.owner_id,
        passages=[IndexPassage(p.index, p.text, _extra(document, p)) for p in passages],
        on_progress=progress.advance,
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
