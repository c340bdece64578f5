"""Keep a note's passages in the database and the search index in step with its text."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction

from documents.chunking import chunk_pages
from documents.extract import Page
from notes.models import Note, NoteChunk
from rag_app.errors import ServiceError
from rag_app.index import service as index
from rag_app.index.items import IndexPassage
from rag_app.index.sources import IndexSource, Parent, stuck_before

log = logging.getLogger(__name__)

BUSY = (Note.IndexStatus.QUEUED, Note.IndexStatus.INDEXING)


def note_index(*, note_id: int) -> Note | None:
    """Chunk, embed and index a note's current text; re-running is harmless.

    Embedding happens without locks; the write then locks the note and goes ahead only if its text
    is still the one embedded (an edit in between has queued its own indexing), so an older task
    finishing late can never overwrite newer passages. Transient service errors propagate for retry.
    """
    note = Note.objects.get(pk=note_id)
    text = note.index_text()
    passages = [
        IndexPassage(p.index, p.text)
        for p in chunk_pages(
            [Page(number=None, text=text)], size=settings.CHUNK_TOKENS, overlap=settings.CHUNK_OVERLAP_TOKENS
        )
    ]
    Note.objects.filter(pk=note_id).update(index_status=Note.IndexStatus.INDEXING, index_error="")
    try:
        generation = index.live_generation()  # the vectors are this generation's, even if a switch lands meanwhile
        vectors = index.embedder(note.owner_id, generation).embed(
            [p.text for p in passages], batch_size=settings.EMBED_BATCH_SIZE
        )
    except ServiceError as exc:
        if exc.permanent:
            note_index_fail(note_id=note_id, reason=str(exc))
            return None
        raise
    with transaction.atomic():
        current = Note.objects.select_for_update().filter(pk=note_id).first()
        if current is None or current.index_text() != text:
            return current
        current.chunks.all().delete()
        NoteChunk.objects.bulk_create(NoteChunk(note=current, index=p.index, text=p.text) for p in passages)
        index.replace(
            source="note",
            parent_id=note_id,
            owner_id=current.owner_id,
            passages=passages,
            vectors=vectors,
            vectors_of=generation,
        )
        # update(), not save(): indexing is not a change the user made, so updated_at stays.
        Note.objects.filter(pk=note_id).update(
            index_status=Note.IndexStatus.READY, index_error="", chunk_count=len(passages)
        )
    current.refresh_from_db()
    log.info("Indexed note %s: %s chunks", note_id, len(passages))
    return current


def note_index_fail(*, note_id: int, reason: str) -> None:
    """Record why a note could not be indexed."""
    Note.objects.filter(pk=note_id).update(index_status=Note.IndexStatus.FAILED, index_error=reason[:2000])
    log.warning("Note %s could not be indexed: %s", note_id, reason)


def note_unindex(*, note_id: int, owner_id: int | None = None) -> None:
    """Remove a deleted note's vectors (its chunks went with it; owner unknown: from every owner's collection)."""
    if Note.objects.filter(pk=note_id).exists():
        return  # not deleted after all: nothing to remove
    index.remove(source="note", parent_id=note_id, owner_id=owner_id)


def _indexed() -> dict[int, Parent]:
    """Every note not being indexed now, with the passages it has (a failed one keeps its last good ones)."""
    notes = dict(Note.objects.exclude(index_status__in=BUSY).values_list("pk", "owner_id"))
    ids: dict[int, set[str]] = {pk: set() for pk in notes}
    for chunk in NoteChunk.objects.filter(note_id__in=notes).only("note_id", "index").iterator():
        ids[chunk.note_id].add(chunk.chunk_id)
    return {pk: Parent(owner_id, frozenset(ids[pk])) for pk, owner_id in notes.items()}


def _reindex(note_id: int) -> int:
    note = note_index(note_id=note_id)
    return note.chunk_count if note is not None else 0


def _stuck() -> list[int]:
    return list(Note.objects.filter(index_status__in=BUSY, updated_at__lt=stuck_before()).values_list("pk", flat=True))


def _requeue(note_id: int) -> None:
    from notes.tasks import note_index_task

    Note.objects.filter(pk=note_id).update(index_status=Note.IndexStatus.QUEUED)
    transaction.on_commit(lambda: note_index_task.delay(note_id))


def _passages(note_ids: list[int]) -> dict[int, tuple[int, list[IndexPassage]]]:
    """The stored passages of notes not being indexed now (a failed one keeps its last good ones)."""
    notes = Note.objects.filter(pk__in=note_ids).exclude(index_status__in=BUSY)
    found: dict[int, tuple[int, list[IndexPassage]]] = {
        pk: (owner, []) for pk, owner in notes.values_list("pk", "owner_id")
    }
    for chunk in NoteChunk.objects.filter(note_id__in=found).order_by("note_id", "index").iterator(2000):
        found[chunk.note_id][1].append(IndexPassage(chunk.index, chunk.text))
    return found


SOURCE = IndexSource(
    source="note",
    singular="note",
    indexed_plural="notes",
    busy_words="queued or indexing",
    indexed=_indexed,
    busy=lambda: set(Note.objects.filter(index_status__in=BUSY).values_list("pk", flat=True)),
    reindex=_reindex,
    stuck=_stuck,
    requeue=_requeue,
    passages=_passages,
)
