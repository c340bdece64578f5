"""Keep a note's passages in the database and the vector index in step with its text."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction

from documents.chunking import chunk_pages
from documents.extract import Page
from notes.models import Note, NoteChunk, note_chunk_id
from rag_app import vectorstore
from rag_app.providers import registry
from rag_app.providers.base import ProviderError

log = logging.getLogger(__name__)


def note_index(*, note_id: int) -> Note | None:
    """Chunk, embed and index a note's current text; re-running is harmless.

    Embedding happens without locks; the write then locks the note and goes ahead only if its text
    is still the one embedded (an edit in between has queued its own indexing), so an older task
    finishing late can never overwrite newer passages. Transient provider errors propagate for retry.
    """
    note = Note.objects.get(pk=note_id)
    text = note.index_text()
    passages = chunk_pages(
        [Page(number=None, text=text)], size=settings.CHUNK_TOKENS, overlap=settings.CHUNK_OVERLAP_TOKENS
    )
    Note.objects.filter(pk=note_id).update(index_status=Note.IndexStatus.INDEXING, index_error="")
    try:
        vectors = registry.embedder().embed([p.text for p in passages], batch_size=settings.EMBED_BATCH_SIZE)
    except ProviderError as exc:
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
        vectorstore.upsert(
            [
                vectorstore.VectorItem(
                    id=note_chunk_id(note_id, p.index),
                    embedding=vector,
                    text=p.text,
                    metadata={"owner_id": current.owner_id, "note_id": note_id, "index": p.index},
                )
                for p, vector in zip(passages, vectors, strict=True)
            ]
        )
        keep = {note_chunk_id(note_id, p.index) for p in passages}
        stale = vectorstore.stored_ids(where={"note_id": note_id}) - keep
        if stale:
            vectorstore.delete_ids(sorted(stale))
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


def note_unindex(*, note_id: int) -> None:
    """Remove a deleted note's vectors (its chunks went with it from the database)."""
    if Note.objects.filter(pk=note_id).exists():
        return  # not deleted after all: nothing to remove
    vectorstore.delete(where={"note_id": note_id})
