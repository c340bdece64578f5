"""A collection per owner on the real Chroma server: exact search, isolation, the legacy shared collection migrating."""

import numpy as np
import pytest

from rag_app import vectorstore
from rag_app.evals.bench import retrieval as bench
from rag_app.index import fingerprint, items
from rag_app.index import service as index
from rag_app.index.items import ItemKey
from rag_app.providers import registry
from rag_app.qa.retrieval import retrieve
from tests.commands import run_command
from tests.notes.conftest import indexed_note
from tests.qa.conftest import ready_document

pytestmark = [pytest.mark.django_db, pytest.mark.stack]


def test_search_finds_exactly_the_owners_nearest_passages(own_collection):
    """Recall@10 against exhaustive numpy search over the same owner's vectors (correctness, not timing)."""
    data = bench.dataset(900, 3, queries=30, uneven=True, seed=7)
    for owner in (1, 2, 3):
        mine = np.flatnonzero(data.owners == owner)
        index.live(owner).upsert(
            [
                vectorstore.VectorItem(
                    id=items.item_id(key := ItemKey("document", int(i), 0)),
                    embedding=data.vectors[i].tolist(),
                    text="x",
                    metadata=items.metadata(key, owner_id=owner),
                )
                for i in mine
            ]
        )
    for query, owner in zip(data.queries, data.askers, strict=True):
        hits = index.search(query.tolist(), owner_id=int(owner), k=10, document_ids=None, note_ids=None)
        assert {f"{key.parent_id}" for key, _ in hits} == bench.exact_top(data, query, int(owner), 10)
        assert [s for _, s in hits] == sorted((s for _, s in hits), reverse=True)


def test_bench_retrieval_measures_every_layout_against_exact_search(own_collection, tmp_path):
    out = run_command(
        "bench_retrieval", "--vectors", "600", "--owners", "3", "--queries", "12", "--no-progress",
        "--json", str(tmp_path / "r.json"),
    )  # fmt: skip
    assert "load average" in out
    rows = {line.split()[0]: line.split() for line in out.splitlines() if line.startswith(("shared", "per-owner"))}
    assert set(rows) == {"shared-default", "shared", "per-owner"}
    assert float(rows["per-owner"][4]) == 1.0  # recall@10 of the app's layout on a small index
    assert (tmp_path / "r.json").read_text().count('"recall_mean"') == 3
    assert vectorstore.collection_names("bench-retrieval-") == []  # dropped afterwards


def test_bob_never_gets_alices_passages(own_collection, alice, bob):
    ready_document(alice, "alice.txt", "The vault combination is 1-2-3-4.")
    indexed_note(alice, "Alice's code", "Alice's launch code is 0000.")
    bobs = ready_document(bob, "bob.txt", "Bob's shed holds the garden tools.")
    vector = registry.embedder().embed_one("What is the vault combination and the launch code?")

    hits = index.search(vector, owner_id=bob.pk, k=50, document_ids=None, note_ids=None)

    assert {key for key, _ in hits} == {ItemKey("document", bobs.pk, 0)}
    assert index.live(bob.pk).stored_ids(where={"owner_id": alice.pk}) == set()
    assert {m["owner_id"] for _, m in index.live(alice.pk).iter_metadata()} == {alice.pk}
    assert index.search(vector, owner_id=999999, k=5, document_ids=None, note_ids=None) == []


def _as_legacy(*owners):
    """Put the owners' vectors into one shared collection, as earlier versions kept them, and drop theirs."""
    legacy = index.legacy()
    known = fingerprint.stored(index.live(owners[0].pk))
    assert known is not None
    fingerprint.store(legacy, known)
    before = {}
    for owner in owners:
        for page in index.live(owner.pk).iter_items():
            legacy.upsert(page)
            before.update({item.id: item.embedding for item in page})
        index.live(owner.pk).drop()
    fingerprint.forget()
    index._migrated.clear()  # a process that has not looked yet, as after an upgrade
    return before


def test_reconcile_moves_the_legacy_shared_collection_into_owner_collections(own_collection, alice, bob):
    one = ready_document(alice, "one.txt", "Otters swim in the river.")
    note = indexed_note(alice, "Gulls", "The gulls nest on the north cliff.")
    two = ready_document(bob, "two.txt", "Herons wait by the pond.")
    before = _as_legacy(alice, bob)
    assert set(before) == {f"{one.pk}:0", f"note-{note.pk}:0", f"{two.pk}:0"}

    report = run_command("reconcile_index")

    assert "Moved 3 vectors of 2 owners from the shared collection" in report
    assert "The database and the index agree." in report
    assert own_collection not in vectorstore.collection_names(own_collection)
    assert index.live(alice.pk).stored_ids() == {f"{one.pk}:0", f"note-{note.pk}:0"}
    assert index.live(bob.pk).stored_ids() == {f"{two.pk}:0"}
    moved = {i.id: i.embedding for page in index.live(alice.pk).iter_items() for i in page}
    assert moved[f"{one.pk}:0"] == pytest.approx(before[f"{one.pk}:0"], abs=1e-6)  # copied, not embedded again
    assert fingerprint.stored(index.live(bob.pk)) == fingerprint.stored(index.live(alice.pk)) is not None
    assert "Moved" not in run_command("reconcile_index")  # once


def test_the_first_question_after_an_upgrade_migrates_by_itself(own_collection, alice):
    document = ready_document(alice, "lighthouse.txt", "The lighthouse is painted red and white.")
    _as_legacy(alice)
    assert index.live(alice.pk).count() == 0

    sources = retrieve(owner=alice, question="What colour is the lighthouse?", k=5).sources

    assert [s.document_id for s in sources] == [document.pk]
    assert own_collection not in vectorstore.collection_names(own_collection)
