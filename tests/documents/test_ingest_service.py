"""document_ingest with the real local embedder and the real Chroma server."""

import pytest
from django.core.files.base import ContentFile

from documents import services
from documents.models import Document
from rag_app import vectorstore
from tests import files

pytestmark = pytest.mark.django_db


def make_document(owner, name, data, kind):
    document = Document(owner=owner, title=name, original_name=name, kind=kind, size=len(data), sha256="x")
    document.file.save(name, ContentFile(data), save=False)
    document.save()
    return document


def test_pdf_becomes_ready_with_page_numbered_chunks_in_the_index(alice):
    document = make_document(alice, "fruit.pdf", files.pdf(["Apples are red.", "Pears are green."]), "pdf")
    services.document_ingest(document_id=document.pk)
    document.refresh_from_db()
    assert document.status == "ready", document.error
    assert document.page_count == 2
    assert [(c.index, c.page) for c in document.chunks.all()] == [(0, 1), (1, 2)]
    assert vectorstore.stored_ids(where={"document_id": document.pk}) == {f"{document.pk}:0", f"{document.pk}:1"}


def test_reingest_is_harmless_and_removes_stale_vectors(alice, settings):
    text = " ".join(f"Fact {i} is about the number {i}." for i in range(80))
    document = make_document(alice, "facts.txt", text.encode(), "text")
    settings.CHUNK_SIZE = 200
    services.document_ingest(document_id=document.pk)
    many = vectorstore.stored_ids(where={"document_id": document.pk})
    services.document_ingest(document_id=document.pk)
    assert vectorstore.stored_ids(where={"document_id": document.pk}) == many
    settings.CHUNK_SIZE = 2000
    services.document_ingest(document_id=document.pk)
    fewer = vectorstore.stored_ids(where={"document_id": document.pk})
    document.refresh_from_db()
    assert len(fewer) == document.chunk_count == document.chunks.count() < len(many)


def test_corrupt_pdf_fails_with_a_reason_and_indexes_nothing(alice):
    document = make_document(alice, "broken.pdf", b"%PDF-1.7\n" + b"junk" * 100, "pdf")
    services.document_ingest(document_id=document.pk)
    document.refresh_from_db()
    assert document.status == "failed"
    assert "PDF could not be read" in document.error
    assert vectorstore.stored_ids(where={"document_id": document.pk}) == set()


def test_pdf_without_text_fails_saying_so(alice):
    document = make_document(alice, "blank.pdf", files.pdf([""]), "pdf")
    services.document_ingest(document_id=document.pk)
    document.refresh_from_db()
    assert document.status == "failed"
    assert "No text" in document.error
