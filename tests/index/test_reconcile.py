"""manage.py reconcile_index: documents and notes against the real database and the real Chroma server."""

from datetime import timedelta

import pytest
from django.core.management import CommandError
from django.utils import timezone

from documents.models import Document
from notes.models import Note
from rag_app import vectorstore
from rag_app.index import items
from rag_app.index import service as index
from rag_app.index.items import ItemKey
from tests.commands import run_command
from tests.notes.conftest import indexed_note
from tests.qa.conftest import ready_document

pytestmark = [pytest.mark.django_db, pytest.mark.stack]


def forged(key, owner_id):
    """An item as the app writes it, with a dummy vector."""
    meta = items.metadata(key, owner_id=owner_id)
    return vectorstore.VectorItem(id=items.item_id(key), embedding=[0.1] * 384, text="x", metadata=meta)


def test_reconcile_reports_then_repairs_every_kind_of_disagreement(alice, bob, own_collection):
    one = ready_document(alice, "one.txt", "Otters swim.\n\n" + "Kingfishers dive. " * 200)
    two = ready_document(alice, "two.txt", "Herons wait.")
    assert one.chunk_count > 1
    index.live(alice.pk).delete_ids([f"{one.pk}:0"])  # a missing vector

    index.live(alice.pk).upsert(
        [
            forged(ItemKey("document", 999999, 0), 1),  # an orphan
            forged(ItemKey("document", two.pk, 7), alice.pk),  # stale: no such chunk
        ]
    )
    index.live(bob.pk).upsert([forged(ItemKey("document", two.pk, 0), bob.pk)])  # in the wrong owner's collection
    stuck = ready_document(alice, "three.txt", "Swans glide.")
    Document.objects.filter(pk=stuck.pk).update(status="processing", updated_at=timezone.now() - timedelta(days=1))

    with pytest.raises(CommandError, match="5 disagreements"):
        run_command("reconcile_index")
    report = run_command("reconcile_index", "--fix")
    assert "1 vectors belong to no usable document: 999999:0" in report
    assert f"1 vectors have no chunk in the database: {two.pk}:7" in report
    assert f"1 ready documents miss 1 vectors: {one.pk}" in report
    assert f"1 documents have vectors under the wrong owner: {two.pk}" in report
    assert f"1 documents are stuck queued or processing: {stuck.pk}" in report
    assert Document.objects.get(pk=stuck.pk).status == "queued"

    assert "The database and the index agree." in run_command("reconcile_index")
    hit = index.live(alice.pk).query([0.1] * 384, k=1, where={"document_id": two.pk})[0]
    assert hit.metadata["owner_id"] == alice.pk
    assert index.live(bob.pk).stored_ids() == set()


def test_reconcile_reports_and_repairs_notes_too(alice, bob, own_collection):
    kept = indexed_note(alice, "Gulls", "The gulls nest on the north cliff.\n\n" + "They fly far. " * 120)
    assert kept.chunk_count > 1
    other = indexed_note(alice, "Terns", "Terns dive for fish.")
    own_collection = index.live(alice.pk)
    own_collection.delete_ids([f"note-{kept.pk}:1"])  # a missing note vector

    legacy = vectorstore.VectorItem(  # written before items carried their source: still recognised
        id="note-888888:0",
        embedding=[0.1] * 384,
        text="x",
        metadata={"owner_id": alice.pk, "note_id": 888888, "index": 0},
    )
    own_collection.upsert(
        [
            forged(ItemKey("note", 999999, 0), alice.pk),  # an orphan: no such note
            legacy,  # another orphan, in the old metadata form
            forged(ItemKey("note", other.pk, 5), alice.pk),  # stale: the note has no such passage
            forged(ItemKey("note", other.pk, 0), bob.pk),  # in alice's collection, but marked as bob's
        ]
    )
    stuck = indexed_note(alice, "Swans", "Swans glide.")
    Note.objects.filter(pk=stuck.pk).update(index_status="indexing", updated_at=timezone.now() - timedelta(days=1))

    with pytest.raises(CommandError, match="6 disagreements"):
        run_command("reconcile_index")
    report = run_command("reconcile_index", "--fix")
    assert "2 vectors belong to no usable note: note-888888:0, note-999999:0" in report
    assert f"1 vectors have no chunk in the database: note-{other.pk}:5" in report
    assert f"1 notes miss 1 vectors: {kept.pk}" in report
    assert f"1 notes have vectors under the wrong owner: {other.pk}" in report
    assert f"1 notes are stuck queued or indexing: {stuck.pk}" in report
    assert Note.objects.get(pk=stuck.pk).index_status == "queued"

    Note.objects.filter(pk=stuck.pk).update(index_status="ready")  # as the worker would, once it ran
    assert "The database and the index agree." in run_command("reconcile_index")
    assert own_collection.stored_ids(where={"note_id": kept.pk}) == {
        f"note-{kept.pk}:{i}" for i in range(kept.chunk_count)
    }
    hit = own_collection.query([0.1] * 384, k=1, where={"note_id": other.pk})[0]
    assert hit.metadata["owner_id"] == alice.pk
