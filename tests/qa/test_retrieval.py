"""Hybrid retrieval: vector and keyword search fused, scoped to the owner (and chosen documents/tags),
checked against the database, and silent for off-topic questions."""

import pytest

from notes import services as note_services
from notes.indexing import note_index
from rag_app.qa.keyword import search, terms
from rag_app.qa.retrieval import Scope, retrieve
from tests.qa.conftest import ready_document

pytestmark = [pytest.mark.django_db, pytest.mark.stack]


def test_terms_drop_stopwords_and_repeats():
    assert terms("What is the ZX-81 and what is its price?") == ["zx", "81", "price"]


def test_keyword_search_finds_a_rare_code_word(alice):
    document = ready_document(alice, "parts.txt", "Part QX7734 is the flange bolt.\n\nPart AB1200 is a washer.")
    hits = search(owner=alice, question="Which part is QX7734?", limit=5, document_ids=None, note_ids=None)
    assert hits[0].key == ("document", document.pk, 0)


def test_both_searches_are_fused_and_recorded(alice):
    ready_document(alice, "tower.txt", "The Eiffel Tower is 330 metres tall and stands in Paris.")
    result = retrieve(owner=alice, question="How tall is the Eiffel Tower?", k=4)
    top = result.candidates[0]
    assert top.vector_rank == 1
    assert top.keyword_rank == 1
    # Score fusion: the cosine plus RETRIEVAL_KEYWORD_WEIGHT per unit of the question's words held.
    assert top.fused_score == pytest.approx(top.vector_score + 0.25 * top.keyword_coverage, abs=1e-4)
    assert result.knobs.method == "score"
    assert top.status == "given"
    assert result.sources[0].chunk_id == top.chunk_id
    assert (result.embedding_provider, result.embedding_model) == ("local", "all-MiniLM-L6-v2")


def test_an_off_topic_question_gets_no_sources(alice):
    ready_document(alice, "tower.txt", "The Eiffel Tower is 330 metres tall and stands in Paris.")
    result = retrieve(owner=alice, question="How do I bake sourdough bread?", k=4)
    assert result.sources == []
    assert {c.status for c in result.candidates} == {"below refusal floor"}
    assert {c.title for c in result.candidates} == {"tower.txt"}  # provenance names what was left out


def test_candidates_left_out_are_named_by_their_note_title(alice):
    note = note_services.note_create(owner=alice, title="Sourdough", body="Feed the starter twice a day.")
    note_index(note_id=note.pk)
    result = retrieve(owner=alice, question="How tall is the Eiffel Tower?", k=4)
    assert [(c.status, c.title) for c in result.candidates] == [("below refusal floor", "Note: Sourdough")]


def test_another_users_passages_are_never_retrieved(alice, bob):
    ready_document(alice, "alice.txt", "Alice's launch code is 0000 and her cat is called Tom.")
    bobs = ready_document(bob, "bob.txt", "Bob's launch code is 4321 and his dog is called Rex.")
    sources = retrieve(owner=bob, question="What is Alice's launch code?", k=10).sources
    assert sources
    assert {s.document_id for s in sources} == {bobs.pk}


def test_scope_narrows_to_chosen_documents_and_tagged_notes(alice):
    first = ready_document(alice, "a.txt", "The red bridge crosses the river.")
    ready_document(alice, "b.txt", "The blue bridge crosses the river.")
    note = note_services.note_create(
        owner=alice, title="Bridges", body="The green bridge crosses the river.", tags=["trip"]
    )
    note_index(note_id=note.pk)
    only_first = retrieve(
        owner=alice, question="Which bridge crosses the river?", k=5, scope=Scope(document_ids=(first.pk,))
    )
    assert {s.document_id for s in only_first.sources} == {first.pk}
    only_trip = retrieve(owner=alice, question="Which bridge crosses the river?", k=5, scope=Scope(tags=("trip",)))
    assert {s.note_id for s in only_trip.sources} == {note.pk}
    nothing = retrieve(owner=alice, question="Which bridge crosses the river?", k=5, scope=Scope(tags=("unknown",)))
    assert nothing.sources == []
