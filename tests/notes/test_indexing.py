"""note_index / note_unindex with the real local embedder and the real Chroma server."""

import pytest

from notes import indexing, services
from notes.models import Note, NoteChunk
from rag_app.index import service as index
from rag_app.providers import registry
from tests.notes.conftest import indexed_note
from tests.qa.conftest import ready_document

pytestmark = [pytest.mark.django_db, pytest.mark.stack]


def test_a_note_is_chunked_into_the_database_and_indexed_under_note_ids(alice):
    note = indexed_note(alice, "Garden", "Tomatoes need sun. Basil likes warmth.")
    assert note.chunk_count == 1
    chunk = NoteChunk.objects.get(note=note)
    assert chunk.chunk_id == f"note-{note.pk}:0"
    assert chunk.text.startswith("Garden")
    assert "Tomatoes need sun." in chunk.text
    assert index.live(alice.pk).stored_ids(where={"note_id": note.pk}) == {f"note-{note.pk}:0"}
    hit = index.live(alice.pk).query(registry.embedder().embed_one("tomatoes sun"), k=1, where={"note_id": note.pk})[0]
    assert hit.metadata == {"source": "note", "owner_id": alice.pk, "note_id": note.pk, "index": 0}


def test_editing_reindexes_and_removes_stale_vectors(alice, settings):
    settings.CHUNK_TOKENS = 50
    settings.CHUNK_OVERLAP_TOKENS = 0
    long_body = "\n\n".join(f"Paragraph {i} talks about the number {i} at some length here." for i in range(20))
    note = indexed_note(alice, "Numbers", long_body)
    many = index.live(alice.pk).stored_ids(where={"note_id": note.pk})
    assert len(many) == note.chunk_count > 2
    note = services.note_update(note=note, expected_version=1, body="Now it is short.")
    assert note.index_status == "queued"
    indexing.note_index(note_id=note.pk)
    note.refresh_from_db()
    assert note.index_status == "ready"
    assert index.live(alice.pk).stored_ids(where={"note_id": note.pk}) == {f"note-{note.pk}:0"}
    assert [" ".join(t.split()) for t in note.chunks.values_list("text", flat=True)] == ["Numbers Now it is short."]


def test_reindexing_is_harmless(alice):
    note = indexed_note(alice, "Same", "Nothing changes here.")
    indexing.note_index(note_id=note.pk)
    indexing.note_index(note_id=note.pk)
    assert index.live(alice.pk).stored_ids(where={"note_id": note.pk}) == {f"note-{note.pk}:0"}
    assert NoteChunk.objects.filter(note=note).count() == 1


def test_a_tag_only_change_does_not_queue_reindexing(alice):
    note = indexed_note(alice, "Tags", "Body.")
    note = services.note_update(note=note, expected_version=1, tags=["new"])
    assert note.version == 2
    assert note.index_status == "ready"


def test_an_outdated_indexing_run_does_not_overwrite_newer_text(alice, monkeypatch):
    note = indexed_note(alice, "Race", "Old words about apples.")
    real = registry.embedder()

    class EmbedThenSomeoneEdits:
        def __getattr__(self, name):
            return getattr(real, name)

        def embed(self, texts, **options):
            vectors = real.embed(texts, **options)
            Note.objects.filter(pk=note.pk).update(body="New words about pears.", version=3)
            return vectors

    monkeypatch.setattr(registry, "embedder", lambda **_: EmbedThenSomeoneEdits())
    services.note_update(note=note, expected_version=1, body="Older edit about plums.")
    indexing.note_index(note_id=note.pk)
    # The run embedded "plums" but the note now says "pears": it must leave the chunks alone.
    assert "apples" in NoteChunk.objects.get(note=note).text


def test_unindex_removes_a_deleted_notes_vectors_only(alice):
    gone = indexed_note(alice, "Gone", "To be deleted.")
    kept = indexed_note(alice, "Kept", "Stays.")
    services.note_delete(note=gone)
    assert not NoteChunk.objects.filter(note_id=gone.pk).exists()
    indexing.note_unindex(note_id=gone.pk)
    assert index.live(alice.pk).stored_ids(where={"note_id": gone.pk}) == set()
    assert index.live(alice.pk).stored_ids(where={"note_id": kept.pk}) == {f"note-{kept.pk}:0"}


def test_unindex_leaves_a_note_that_still_exists(alice):
    note = indexed_note(alice, "Alive", "Still here.")
    indexing.note_unindex(note_id=note.pk)
    assert index.live(alice.pk).stored_ids(where={"note_id": note.pk}) == {f"note-{note.pk}:0"}


def test_note_ids_never_collide_with_document_ids(alice):
    document = ready_document(alice, "doc.txt", "A document.")
    note = indexed_note(alice, "A note", "Same number maybe.")
    assert f"{document.pk}:0" in index.live(alice.pk).stored_ids(where={"document_id": document.pk})
    assert index.live(alice.pk).stored_ids(where={"note_id": note.pk}) == {f"note-{note.pk}:0"}
