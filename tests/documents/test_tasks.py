"""The ingestion task: transient errors retry with backoff, permanent ones fail at once, with a reason."""

import pytest
from django.core.files.base import ContentFile

from documents import tasks
from documents.models import Document
from rag_app import vectorstore
from rag_app.providers.base import ProviderError

pytestmark = pytest.mark.django_db


@pytest.fixture
def document(alice):
    document = Document(owner=alice, title="a.txt", original_name="a.txt", kind="text", size=5, sha256="a")
    document.file.save("a.txt", ContentFile(b"Otters swim."), save=False)
    document.save()
    return document


def failing_upsert(monkeypatch, failures, *, permanent):
    calls = []
    real = vectorstore.upsert

    def upsert(items):
        calls.append(len(items))
        if len(calls) <= failures:
            raise ProviderError("Chroma said no", permanent=permanent, provider="chroma")
        real(items)

    monkeypatch.setattr(vectorstore, "upsert", upsert)
    return calls


def test_transient_errors_are_retried_until_they_pass(document, monkeypatch):
    calls = failing_upsert(monkeypatch, 2, permanent=False)
    tasks.document_ingest_task.apply(args=(document.pk,))  # eager: retries run at once, without the countdown
    document.refresh_from_db()
    assert document.status == "ready", document.error
    assert len(calls) == 3
    assert document.warnings == ""


def test_permanent_errors_fail_at_once_with_the_reason(document, monkeypatch):
    calls = failing_upsert(monkeypatch, 1, permanent=True)
    tasks.document_ingest_task.apply(args=(document.pk,))
    document.refresh_from_db()
    assert document.status == "failed"
    assert document.error == "Chroma said no"
    assert len(calls) == 1


def test_after_the_last_retry_the_document_fails_saying_so(document, monkeypatch, settings):
    settings.INGEST_RETRIES = 2
    calls = failing_upsert(monkeypatch, 99, permanent=False)
    tasks.document_ingest_task.apply(args=(document.pk,))
    document.refresh_from_db()
    assert document.status == "failed"
    assert document.error == "Gave up after 2 retries: Chroma said no"
    assert len(calls) == 3


def test_backoff_grows_and_is_capped():
    assert 5 <= tasks.backoff(0) <= 10
    assert 40 <= tasks.backoff(3) <= 45
    assert 300 <= tasks.backoff(20) <= 305


def test_task_is_idempotent_and_late_acknowledged():
    assert tasks.document_ingest_task.acks_late
    assert tasks.document_ingest_task.reject_on_worker_lost


def test_deleted_document_is_no_error(document):
    document_id = document.pk
    document.delete()
    assert tasks.document_ingest_task.apply(args=(document_id,)).successful()
