"""A row waiting for a retry after a temporary failure says so, not 'Waiting for a worker'."""

import pytest

from documents.models import Document
from documents.tasks import _retrying
from documents.templatetags.document_progress import document_progress
from tests.documents.test_ingest_service import make_document

pytestmark = pytest.mark.django_db


def test_retry_countdown_is_named(alice):
    document = make_document(alice, "a.txt", b"hello", "text")
    assert document_progress(document)["label"] == "Waiting for a worker"
    _retrying(document.pk, "Retry 2 of 5 in 40 s: cannot reach the embedding server")
    document.refresh_from_db()
    progress = document_progress(document)
    assert progress["retrying"]
    assert progress["label"].startswith("Temporary problem: retry 2 of 5 in about ")
    Document.objects.filter(pk=document.pk).update(status="processing", stage="embedding")
    document.refresh_from_db()
    assert document_progress(document)["label"] == "Embedding passages"
