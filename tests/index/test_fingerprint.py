"""The index remembers which embedder built it; another vector space stops ingestion and Q&A."""

import threading

import pytest
from django.core.files.base import ContentFile

from documents import services as document_services
from documents.models import Document
from rag_app.index import fingerprint
from rag_app.index import service as index
from rag_app.index.fingerprint import Fingerprint
from tests.qa.helpers import answer_now

pytestmark = [pytest.mark.django_db, pytest.mark.stack]

OTHER_SPACE = Fingerprint("ollama", "nomic-embed-text", 768, tuple([0.1] * 32))


def text_document(owner, text):
    document = Document(owner=owner, title="t.txt", original_name="t.txt", kind="text", size=len(text), sha256="x")
    document.file.save("t.txt", ContentFile(text.encode()), save=False)
    document.save()
    return document


def test_first_use_stores_the_fingerprint(own_collection, alice):
    assert fingerprint.stored(index.live(alice.pk)) is None
    index.embedder(alice.pk).embed_one("hello")
    stored = fingerprint.stored(index.live(alice.pk))
    assert (stored.kind, stored.model, stored.dimension) == ("local", "all-MiniLM-L6-v2", 384)
    assert len(stored.sample) == 32


def test_same_model_from_another_runtime_matches():
    a = Fingerprint("local", "all-MiniLM-L6-v2", 384, (0.1, 0.2, 0.3))
    b = Fingerprint("vllm", "minilm", 384, (0.1, 0.2, 0.30001))
    assert a.matches(b)
    assert not a.matches(Fingerprint("vllm", "minilm", 384, (0.3, -0.2, 0.1)))
    assert not a.matches(Fingerprint("vllm", "minilm", 768, (0.1, 0.2, 0.3)))


def test_mismatch_blocks_ingestion_with_the_rebuild_step(own_collection, alice):
    fingerprint.store(index.live(alice.pk), OTHER_SPACE)
    document = text_document(alice, "Some words to index.")
    document_services.document_ingest(document_id=document.pk)
    document.refresh_from_db()
    assert document.status == "failed"
    assert "ollama:nomic-embed-text (768-d)" in document.error
    assert "python manage.py rebuild_index" in document.error
    assert index.live(alice.pk).stored_ids(where={"document_id": document.pk}) == set()


def test_mismatch_blocks_questions_with_a_clear_error(own_collection, alice):
    fingerprint.store(index.live(alice.pk), OTHER_SPACE)
    answer = answer_now(alice, "Anything?")
    assert answer["status"] == "failed"
    message = answer["error"]
    assert "rebuild_index" in message
    assert "local:all-MiniLM-L6-v2 (384-d)" in message


def test_a_due_recheck_runs_beside_the_caller_and_a_mismatch_it_finds_stops_the_next_one(
    own_collection, alice, monkeypatch
):
    collection = index.live(alice.pk)
    embedder = index.embedder(alice.pk)  # first check: by the caller, stores the fingerprint
    fingerprint.store(collection, OTHER_SPACE)  # the index changes hands behind the process's back
    key = (collection.name, embedder.endpoint)
    monkeypatch.setitem(fingerprint._checked, key, fingerprint._checked[key] - fingerprint._RECHECK_SECONDS)
    probes_before = len(fingerprint._refreshing)
    fingerprint.ensure_matches(collection, embedder)  # due: the caller goes on, a thread checks
    for thread in [t for t in threading.enumerate() if t.name == "fingerprint-check"]:
        thread.join(timeout=30)
    assert len(fingerprint._refreshing) == probes_before
    assert key not in fingerprint._checked  # the background check failed: forgotten
    with pytest.raises(fingerprint.EmbeddingMismatch, match="rebuild_index"):
        fingerprint.ensure_matches(collection, embedder)  # this caller checks itself, and is stopped
