"""manage.py rebuild_index: the way out of an embedding-model change (the fingerprint error names it)."""

import pytest
from django.core.management import call_command

from notes import services as note_services
from notes.indexing import note_index
from rag_app.index import fingerprint
from rag_app.index import service as index
from rag_app.index.fingerprint import Fingerprint
from tests.documents.test_ingest_service import ingested, make_document
from tests.qa.helpers import answer_now

pytestmark = [pytest.mark.django_db, pytest.mark.stack]

OTHER_SPACE = Fingerprint("ollama", "nomic-embed-text", 768, tuple([0.1] * 32))


def test_rebuild_reindexes_documents_and_notes_and_unblocks_questions(own_collection, alice, capsys, settings):
    settings.LEASE_SECONDS = 600  # the heartbeat's own connection cannot see this test's row: no renewal
    document = ingested(make_document(alice, "a.txt", b"The lighthouse is painted red and white.", "text"))
    note = note_services.note_create(owner=alice, title="Gulls", body="The gulls nest on the north cliff.")
    note_index(note_id=note.pk)
    fingerprint.store(index.live(alice.pk), OTHER_SPACE)  # as if the index came from another model
    fingerprint.forget()
    assert answer_now(alice, "What colour?")["status"] == "failed"

    call_command("rebuild_index", "--yes")

    assert "Indexed 2 passages of 1 documents and 1 notes" in capsys.readouterr().out
    stored = fingerprint.stored(index.live(alice.pk))
    assert (stored.kind, stored.dimension) == ("local", 384)
    assert index.live(alice.pk).stored_ids(where={"document_id": document.pk}) == {f"{document.pk}:0"}
    assert index.live(alice.pk).stored_ids(where={"note_id": note.pk}) == {f"note-{note.pk}:0"}
    body = answer_now(alice, "What colour is the lighthouse?")
    assert document.pk in {c["document_id"] for c in body["citations"]}
