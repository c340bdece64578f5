"""Keyword search ranks documents' and notes' passages together (one statement on PostgreSQL), scoped to the owner."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from notes import services as note_services
from notes.indexing import note_index
from rag_app.qa.keyword import search
from tests.qa.conftest import ready_document

pytestmark = [pytest.mark.django_db, pytest.mark.stack]


def _note(owner, title, body, tags=()):
    note = note_services.note_create(owner=owner, title=title, body=body, tags=list(tags))
    note_index(note_id=note.pk)
    return note


def test_documents_and_notes_are_ranked_together_in_one_query(alice, bob):
    document = ready_document(alice, "valves.txt", "The brass valve V200 fits the boiler.")
    note = _note(alice, "Valves", "Valve V200: valve V200 is brass. The V200 valve leaks.")
    _note(bob, "Bob's valves", "Bob's valve V200 is brass too.")
    with CaptureQueriesContext(connection) as queries:
        hits = search(owner=alice, question="Which valve is V200?", limit=10, document_ids=None, note_ids=None)
    assert len(queries) == 1
    assert "UNION ALL" in queries[0]["sql"]
    assert [h.key for h in hits] == [("note", note.pk, 0), ("document", document.pk, 0)]  # more matches first
    assert hits[0].score > hits[1].score
    assert hits[1].coverage == 1.0  # both words of the question ("valve", "v200") are in the document


def test_the_limit_applies_across_documents_and_notes(alice):
    ready_document(alice, "valves.txt", "The brass valve V200 fits the boiler.")
    note = _note(alice, "Valves", "Valve V200: valve V200 is brass. The V200 valve leaks.")
    hits = search(owner=alice, question="Which valve is V200?", limit=1, document_ids=None, note_ids=None)
    assert [h.key for h in hits] == [("note", note.pk, 0)]


def test_a_scope_narrows_each_kind_and_an_empty_scope_finds_nothing(alice):
    document = ready_document(alice, "valves.txt", "The brass valve V200 fits the boiler.")
    note = _note(alice, "Valves", "Valve V200 is brass.")
    only_document = search(owner=alice, question="valve V200", limit=5, document_ids=[document.pk], note_ids=[])
    assert [h.key for h in only_document] == [("document", document.pk, 0)]
    only_note = search(owner=alice, question="valve V200", limit=5, document_ids=[], note_ids=[note.pk])
    assert [h.key for h in only_note] == [("note", note.pk, 0)]
    with CaptureQueriesContext(connection) as queries:
        assert search(owner=alice, question="valve V200", limit=5, document_ids=[], note_ids=[]) == []
    assert len(queries) == 0  # nothing in scope: no round trip at all
