"""A long document resumes from the last indexed batch after a killed worker or a spent time budget."""

import time

import pytest

from documents import ingest, services
from documents.models import Document
from rag_app import vectorstore
from rag_app.index import service as index
from rag_app.index.fingerprint import PROBE
from rag_app.providers.local import LocalEmbedder
from tests.documents.test_ingest_service import make_document

pytestmark = [pytest.mark.django_db, pytest.mark.stack]


@pytest.fixture
def long_document(alice, settings):
    settings.EMBED_BATCH_SIZE = 2
    settings.CHUNK_TOKENS, settings.CHUNK_OVERLAP_TOKENS = 40, 0
    text = "\n\n".join(f"Section {i} tells of river {i} and its bridge number {i}." * 3 for i in range(12))
    return make_document(alice, "long.txt", text.encode(), "text")


@pytest.fixture
def embedded(monkeypatch):
    """The texts the local embedder is asked to embed (the fingerprint probe left out)."""
    seen: list[str] = []
    real = LocalEmbedder.embed_batch

    def counting(self, texts):
        seen.extend(t for t in texts if t != PROBE)
        return real(self, texts)

    monkeypatch.setattr(LocalEmbedder, "embed_batch", counting)
    return seen


def _stop_writes_after(monkeypatch, batches, then):
    real = vectorstore.Collection.upsert
    calls = []

    def upsert(self, items):
        real(self, items)
        calls.append(len(items))
        if len(calls) == batches:
            then()

    monkeypatch.setattr(vectorstore.Collection, "upsert", upsert)
    return lambda: monkeypatch.setattr(vectorstore.Collection, "upsert", real)


def test_a_worker_killed_mid_embedding_resumes_from_the_last_indexed_batch(alice, long_document, monkeypatch, embedded):
    def die():
        raise SystemExit("worker killed")  # nothing after this runs, as with SIGKILL

    restore = _stop_writes_after(monkeypatch, 3, die)
    with pytest.raises(SystemExit):
        services.document_ingest(document_id=long_document.pk)
    restore()
    total = long_document.chunks.count()
    assert total > 6
    assert len(index.live(alice.pk).stored_ids(where={"document_id": long_document.pk})) == 6
    embedded.clear()

    document = services.document_ingest(document_id=long_document.pk)  # the message is delivered again

    assert document.status == "ready"
    assert len(embedded) == total - 6  # only what was not stored yet
    stored = index.live(alice.pk).stored_ids(where={"document_id": long_document.pk})
    assert stored == {f"{long_document.pk}:{i}" for i in range(total)}


def test_a_spent_time_budget_pauses_and_a_new_task_carries_on(
    alice, long_document, monkeypatch, embedded, django_capture_on_commit_callbacks
):
    restore = _stop_writes_after(
        monkeypatch, 2, lambda: monkeypatch.setattr(ingest.Progress, "clock", staticmethod(lambda: float("inf")))
    )
    with django_capture_on_commit_callbacks() as queued:
        document = services.document_ingest(document_id=long_document.pk, deadline=time.monotonic() + 3600)
    restore()
    monkeypatch.setattr(ingest.Progress, "clock", staticmethod(time.monotonic))

    assert document.status == "queued"  # not failed: the next task resumes
    assert len(queued) == 1
    assert (document.stage, document.progress_done) == ("embedding", 4)
    total = document.chunks.count()
    assert len(index.live(alice.pk).stored_ids(where={"document_id": document.pk})) == 4
    embedded.clear()

    document = services.document_ingest(document_id=document.pk, deadline=time.monotonic() + 3600)

    assert document.status == "ready"
    assert len(embedded) == total - 4
    assert document.chunk_count == total == len(index.live(alice.pk).stored_ids(where={"document_id": document.pk}))


def test_changed_chunks_are_embedded_again_in_full(alice, long_document, settings, embedded):
    before = services.document_ingest(document_id=long_document.pk).chunk_count
    embedded.clear()
    settings.CHUNK_TOKENS = 200  # other passages: nothing stored can be reused
    document = services.document_ingest(document_id=long_document.pk)
    assert document.status == "ready"
    assert 0 < document.chunk_count < before
    assert len(embedded) == document.chunk_count
    assert Document.objects.get(pk=document.pk).chunks.count() == document.chunk_count


def test_a_budget_spent_storing_the_chunks_pauses_and_the_next_task_embeds_them(
    alice, long_document, monkeypatch, embedded, django_capture_on_commit_callbacks
):
    real = ingest._store_chunks

    def store_then_late(document, passages):
        real(document, passages)
        monkeypatch.setattr(ingest.Progress, "clock", staticmethod(lambda: float("inf")))

    monkeypatch.setattr(ingest, "_store_chunks", store_then_late)
    with django_capture_on_commit_callbacks() as queued:
        document = services.document_ingest(document_id=long_document.pk, deadline=time.monotonic() + 3600)
    monkeypatch.setattr(ingest.Progress, "clock", staticmethod(time.monotonic))
    monkeypatch.setattr(ingest, "_store_chunks", real)

    assert document.status == "queued"  # not failed: storing was progress the next run keeps
    assert len(queued) == 1
    total = document.chunks.count()
    assert total > 6
    assert embedded == []

    document = services.document_ingest(document_id=document.pk, deadline=time.monotonic() + 3600)

    assert document.status == "ready"
    assert len(embedded) == total  # each passage once
    assert document.chunk_count == total == len(index.live(alice.pk).stored_ids(where={"document_id": document.pk}))
