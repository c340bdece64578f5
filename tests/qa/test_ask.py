"""POST /api/ask/ with the real local models: scoped retrieval, stored answers, clear refusals."""

import pytest
from django.core.files.base import ContentFile

from documents import services as document_services
from documents.models import Document
from rag_app.qa.models import Answer
from rag_app.qa.retrieval import retrieve

pytestmark = pytest.mark.django_db

CITATION_KEYS = {"n", "document_id", "title", "chunk_id", "page", "text", "score", "cited"}


def ready_document(owner, name, text):
    document = Document(owner=owner, title=name, original_name=name, kind="text", size=len(text), sha256="x")
    document.file.save(name, ContentFile(text.encode()), save=False)
    document.save()
    document_services.document_ingest(document_id=document.pk)
    document.refresh_from_db()
    assert document.status == "ready", document.error
    return document


def test_answer_cites_the_users_document_and_is_stored(alice, alice_api):
    document = ready_document(alice, "tower.txt", "The Eiffel Tower is 330 metres tall and stands in Paris.")
    response = alice_api.post("/api/ask/", {"question": "How tall is the Eiffel Tower?"}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["answer"].strip()
    assert body["citations"]
    first = body["citations"][0]
    assert set(first) == CITATION_KEYS
    assert first["n"] == 1
    assert first["document_id"] == document.pk
    assert first["chunk_id"] == f"{document.pk}:0"
    assert "330 metres" in first["text"]
    stored = Answer.objects.get(pk=body["id"])
    assert stored.owner == alice
    assert stored.citations == body["citations"]
    assert stored.provider == "local"
    assert stored.completion_tokens > 0


def test_retrieval_never_returns_another_users_passages(alice, bob):
    ready_document(alice, "alice.txt", "Alice's launch code is 0000 and her cat is called Tom.")
    bobs = ready_document(bob, "bob.txt", "Bob grows tomatoes in his garden.")
    sources = retrieve(owner=bob, question="What is Alice's launch code?", k=10)
    assert sources
    assert {s.document_id for s in sources} == {bobs.pk}


def test_without_documents_the_answer_says_nothing_was_found(alice_api):
    body = alice_api.post("/api/ask/", {"question": "What is in my files?"}, format="json").json()
    assert body["citations"] == []
    assert "could not find" in body["answer"]


@pytest.mark.parametrize("question", ["", "   "])
def test_empty_question_is_a_400(alice_api, question):
    response = alice_api.post("/api/ask/", {"question": question}, format="json")
    assert response.status_code == 400
    assert not Answer.objects.exists()


def test_too_long_question_is_a_400(alice_api):
    response = alice_api.post("/api/ask/", {"question": "why " * 2000}, format="json")
    assert response.status_code == 400
