"""Fixtures for Q&A tests: documents that are ready to be asked about."""

from typing import Any

from django.core.files.base import ContentFile

from documents import services as document_services
from documents.models import Document


def ready_document(owner: Any, name: str, text: str) -> Document:
    """A text document ingested in the test process (real embedder, real Chroma server)."""
    document = Document(owner=owner, title=name, original_name=name, kind="text", size=len(text), sha256=name)
    document.file.save(name, ContentFile(text.encode()), save=False)
    document.save()
    document_services.document_ingest(document_id=document.pk)
    document.refresh_from_db()
    assert document.status == "ready", document.error
    return document
