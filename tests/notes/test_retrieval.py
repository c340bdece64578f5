"""Notes in Q&A: retrieved, checked against the database, cited as "Note: <title>" with a link."""

import pytest

from notes import services
from notes.models import NoteChunk
from rag_app import vectorstore
from rag_app.index import service as index
from rag_app.providers import registry
from rag_app.qa.retrieval import retrieve
from tests.notes.conftest import indexed_note
from tests.qa.conftest import ready_document
from tests.qa.helpers import answer_now

pytestmark = [pytest.mark.django_db, pytest.mark.stack]

DOCUMENT_KEYS = {"n", "document_id", "title", "chunk_id", "page", "text", "score", "heading", "cited"}
NOTE_KEYS = DOCUMENT_KEYS | {"note_id", "url"}


def test_a_note_is_cited_with_its_title_and_a_link(alice, alice_api):
    note = indexed_note(alice, "Heron budget", "The total budget of Project Heron is 4.2 million euros.")
    answer = answer_now(alice, "What is the budget of Project Heron?")
    assert answer["status"] == "done", answer["error"]
    citation = answer["citations"][0]
    assert set(citation) == NOTE_KEYS
    assert citation["title"] == "Note: Heron budget"
    assert citation["note_id"] == note.pk
    assert citation["document_id"] is None
    assert citation["page"] is None
    assert citation["chunk_id"] == f"note-{note.pk}:0"
    assert citation["url"] == f"/notes/{note.pk}/#chunk-note-{note.pk}:0"
    assert "4.2 million" in citation["text"]


def test_documents_and_notes_are_cited_together_documents_keeping_their_keys(alice):
    document = ready_document(alice, "tower.txt", "The Eiffel Tower is 330 metres tall.")
    note = indexed_note(alice, "Tower visit", "We visited the Eiffel Tower in May; the tower is tall.")
    sources = retrieve(owner=alice, question="How tall is the Eiffel Tower?", k=4).sources
    by_kind = {("note" if s.note_id else "document"): s.as_dict() for s in sources}
    assert by_kind["document"]["document_id"] == document.pk
    assert set(by_kind["document"]) == DOCUMENT_KEYS - {"cited"}
    assert by_kind["note"]["note_id"] == note.pk
    assert [s.n for s in sources] == list(range(1, len(sources) + 1))


def test_the_answer_page_links_a_note_citation_to_the_note(client, alice, alice_api):
    note = indexed_note(alice, "Recipe", "Pancakes need flour, milk and two eggs.")
    answer = answer_now(alice, "What do pancakes need?")
    client.force_login(alice)
    html = client.get(f"/ask/answers/{answer['id']}/", follow=True).content.decode()
    assert f'href="/notes/{note.pk}/#chunk-note-{note.pk}:0"' in html
    assert "Note: Recipe" in html


def test_another_users_notes_are_never_retrieved(alice, bob, settings):
    settings.RETRIEVAL_REFUSAL_FLOOR = -1.0  # isolation, not refusal, is under test: bob must get his own note
    indexed_note(alice, "Alice's code", "Alice's launch code is 0000.")
    bobs = indexed_note(bob, "Bob's garden", "Bob keeps the launch code of his garden gate in the shed.")
    sources = retrieve(owner=bob, question="What is Alice's launch code?", k=10).sources
    assert sources
    assert {s.note_id for s in sources} == {bobs.pk}


def test_a_forged_vector_pointing_at_another_users_note_is_dropped(alice, bob):
    """Defence in depth: even a vector filed in bob's collection is used only if the database agrees."""
    alices = indexed_note(alice, "Secret", "The vault combination is 1-2-3-4.")
    text = NoteChunk.objects.get(note=alices).text
    index.live(bob.pk).upsert(
        [
            vectorstore.VectorItem(
                id="forged:0",
                embedding=registry.embedder().embed_one(text),
                text=text,
                metadata={"owner_id": bob.pk, "note_id": alices.pk, "index": 0},
            )
        ]
    )
    try:
        assert retrieve(owner=bob, question="What is the vault combination?", k=5).sources == []
    finally:
        index.live(bob.pk).delete_ids(["forged:0"])


def test_a_deleted_note_is_not_cited_even_before_its_vectors_are_removed(alice):
    note = indexed_note(alice, "Ephemeral", "The meeting room is called Saturn.")
    services.note_delete(note=note)  # the unindex task has not run: vectors are still there
    assert index.live(alice.pk).stored_ids(where={"note_id": note.pk})
    assert retrieve(owner=alice, question="What is the meeting room called?", k=5).sources == []
