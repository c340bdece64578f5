"""Find and repair disagreements between the database (the truth) and the Chroma index."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from documents import services
from documents.models import Chunk, Document, chunk_id
from rag_app import vectorstore

log = logging.getLogger(__name__)

BUSY = (Document.Status.QUEUED, Document.Status.PROCESSING)


@dataclass
class Report:
    """What disagrees: vectors to delete, documents to re-index, documents to queue again."""

    vectors_checked: int = 0
    documents_checked: int = 0
    orphan_ids: list[str] = field(default_factory=list)  # no such document, or one that failed
    stale_ids: list[str] = field(default_factory=list)  # a ready document has no such chunk
    missing: dict[int, int] = field(default_factory=dict)  # document id -> chunks with no vector
    wrong_owner: set[int] = field(default_factory=set)  # vectors whose owner_id differs from the database
    stuck: list[int] = field(default_factory=list)  # queued/processing for longer than a task may run

    @property
    def problems(self) -> int:
        """How many disagreements were found."""
        return len(self.orphan_ids) + len(self.stale_ids) + len(self.missing) + len(self.wrong_owner) + len(self.stuck)

    def lines(self) -> list[str]:
        """The report in words."""
        out = [f"Checked {self.documents_checked} documents and {self.vectors_checked} vectors."]
        if self.orphan_ids:
            out.append(f"{len(self.orphan_ids)} vectors belong to no usable document: {_sample(self.orphan_ids)}")
        if self.stale_ids:
            out.append(f"{len(self.stale_ids)} vectors have no chunk in the database: {_sample(self.stale_ids)}")
        if self.missing:
            ids = sorted(self.missing)
            out.append(f"{len(ids)} ready documents miss {sum(self.missing.values())} vectors: {_sample(ids)}")
        if self.wrong_owner:
            wrong = _sample(self.wrong_owner)
            out.append(f"{len(self.wrong_owner)} documents have vectors under the wrong owner: {wrong}")
        if self.stuck:
            out.append(f"{len(self.stuck)} documents are stuck queued or processing: {_sample(self.stuck)}")
        if not self.problems:
            out.append("The database and the index agree.")
        return out


def _sample(items: Iterable[object]) -> str:
    values = sorted(items, key=str)
    shown = ", ".join(str(v) for v in values[:10])
    return shown + (f" and {len(values) - 10} more" if len(values) > 10 else "")


def reconcile(*, fix: bool) -> Report:
    """Compare every vector with the database; with fix, delete, re-index and re-queue to agree."""
    report = Report()
    documents = {d.pk: d for d in Document.objects.all().only("id", "owner_id", "status", "updated_at")}
    report.documents_checked = len(documents)
    ready = {pk for pk, d in documents.items() if d.status == Document.Status.READY}
    expected: dict[int, set[str]] = defaultdict(set)
    for document_id, index in Chunk.objects.filter(document_id__in=ready).values_list("document_id", "index"):
        expected[document_id].add(chunk_id(document_id, index))
    stored: dict[int, set[str]] = defaultdict(set)
    for item_id, metadata in vectorstore.iter_metadata():
        report.vectors_checked += 1
        if "document_id" not in metadata or metadata.get("source", "document") != "document":
            continue  # notes and other sources keep their own books
        document_id = int(metadata["document_id"])
        document = documents.get(document_id)
        if document is None or document.status == Document.Status.FAILED:
            report.orphan_ids.append(item_id)
        elif document.status in BUSY:
            continue  # being written right now
        elif item_id not in expected[document_id]:
            report.stale_ids.append(item_id)
        else:
            stored[document_id].add(item_id)
            if metadata.get("owner_id") != document.owner_id:
                report.wrong_owner.add(document_id)
    for document_id in ready:
        missing = expected[document_id] - stored[document_id]
        if missing:
            report.missing[document_id] = len(missing)
    cutoff = timezone.now() - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)
    report.stuck = sorted(pk for pk, d in documents.items() if d.status in BUSY and d.updated_at < cutoff)
    if fix:
        _repair(report, documents)
    return report


def _repair(report: Report, documents: dict[int, Document]) -> None:
    doomed = report.orphan_ids + report.stale_ids
    for start in range(0, len(doomed), 500):
        vectorstore.delete_ids(doomed[start : start + 500])
    for document_id in sorted(set(report.missing) | report.wrong_owner):
        count = services.document_reindex(document=Document.objects.get(pk=document_id))
        log.info("Re-indexed document %s (%s chunks)", document_id, count)
    for document_id in report.stuck:
        services.document_reingest(document=Document.objects.get(pk=document_id), force=True)
