"""How the search index sees documents: which should be indexed, re-index one, requeue stuck ones."""

from __future__ import annotations

from collections import defaultdict

from documents.models import Chunk, Document
from rag_app.index.items import IndexPassage
from rag_app.index.sources import IndexSource, Parent, stuck_before
from rag_app.vectorstore import Metadata

BUSY = (Document.Status.QUEUED, Document.Status.PROCESSING)


def _indexed() -> dict[int, Parent]:
    ready = dict(Document.objects.filter(status=Document.Status.READY).values_list("pk", "owner_id"))
    ids: dict[int, set[str]] = defaultdict(set)
    for chunk in Chunk.objects.filter(document_id__in=ready).only("document_id", "index").iterator():
        ids[chunk.document_id].add(chunk.chunk_id)
    return {pk: Parent(owner_id, frozenset(ids[pk])) for pk, owner_id in ready.items()}


def _busy() -> set[int]:
    return set(Document.objects.filter(status__in=BUSY).values_list("pk", flat=True))


def _stuck() -> list[int]:
    """Queued or processing for longer than a task may run: its worker is gone."""
    return list(Document.objects.filter(status__in=BUSY, updated_at__lt=stuck_before()).values_list("pk", flat=True))


def _reindex(document_id: int) -> int:
    from documents import services

    return services.document_reindex(document=Document.objects.get(pk=document_id))


def _requeue(document_id: int) -> None:
    from documents import services

    services.document_reingest(document=Document.objects.get(pk=document_id), force=True)


def _passages(document_ids: list[int]) -> dict[int, tuple[int, list[IndexPassage]]]:
    """The stored chunks of ready documents as index passages, with the metadata ingestion gives them."""
    ready = Document.objects.filter(pk__in=document_ids, status=Document.Status.READY)
    rows = {pk: (owner_id, kind) for pk, owner_id, kind in ready.values_list("pk", "owner_id", "kind")}
    found: dict[int, tuple[int, list[IndexPassage]]] = {pk: (owner_id, []) for pk, (owner_id, _) in rows.items()}
    for chunk in Chunk.objects.filter(document_id__in=rows).order_by("document_id", "index").iterator(2000):
        extra: Metadata = {"page": chunk.page or 0, "kind": rows[chunk.document_id][1], "heading": chunk.heading}
        extra["generated_by"] = chunk.generated_by
        found[chunk.document_id][1].append(IndexPassage(chunk.index, chunk.text, extra))
    return found


SOURCE = IndexSource(
    source="document",
    singular="document",
    indexed_plural="ready documents",
    busy_words="queued or processing",
    indexed=_indexed,
    busy=_busy,
    reindex=_reindex,
    stuck=_stuck,
    requeue=_requeue,
    passages=_passages,
)
