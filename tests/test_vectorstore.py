"""The vector store against embedded Chroma on disk and the Chroma server."""

import pytest

from rag_app import vectorstore
from rag_app.errors import ServiceError


@pytest.fixture(params=["server", "embedded"])
def store(request, settings, tmp_path, chroma_server):
    if request.param == "embedded":
        settings.CHROMA_URL = ""
        settings.CHROMA_PATH = tmp_path / "chroma"
    collection = vectorstore.collection(f"test-{request.node.name}".replace("[", "-").replace("]", ""))
    yield collection
    collection.drop()


def item(i, owner, vector):
    return vectorstore.VectorItem(
        id=f"{i}:0", embedding=vector, text=f"text {i}", metadata={"owner_id": owner, "document_id": i}
    )


def test_query_filters_by_metadata_and_ranks_by_cosine(store):
    store.upsert([item(1, 1, [1.0, 0.0]), item(2, 1, [0.7, 0.7]), item(3, 2, [1.0, 0.01])])
    hits = store.query([1.0, 0.0], k=5, where={"owner_id": 1})
    assert [h.id for h in hits] == ["1:0", "2:0"]
    assert hits[0].score == pytest.approx(1.0, abs=1e-4)
    assert hits[0].text == "text 1"
    assert hits[0].metadata["document_id"] == 1
    both = store.query([1.0, 0.0], k=5, where={"owner_id": 1, "document_id": 2})
    assert [h.id for h in both] == ["2:0"]


def test_upsert_replaces_and_delete_removes(store):
    store.upsert([item(1, 1, [1.0, 0.0])])
    store.upsert(
        [vectorstore.VectorItem(id="1:0", embedding=[0.0, 1.0], text="new", metadata={"owner_id": 1, "document_id": 1})]
    )
    assert store.count() == 1
    assert store.query([0.0, 1.0], k=1, where={"owner_id": 1})[0].text == "new"
    store.delete(where={"document_id": 1})
    assert store.stored_ids() == set()


def test_collections_are_separate_and_keep_their_own_metadata(store):
    other = vectorstore.collection(store.name + "-other")
    try:
        store.upsert([item(1, 1, [1.0, 0.0])])
        other.set_meta("embedding_fingerprint", "other")
        assert other.count() == 0
        assert store.get_meta("embedding_fingerprint") is None
        assert other.get_meta("embedding_fingerprint") == "other"
    finally:
        other.drop()


def test_unreachable_server_is_a_transient_error(settings):
    settings.CHROMA_URL = "http://127.0.0.1:9"
    with pytest.raises(ServiceError) as caught:
        vectorstore.collection("any").count()
    assert caught.value.permanent is False
    assert caught.value.provider == "chroma"
