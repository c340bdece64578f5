"""The ingestion task: transient errors retry with backoff, permanent ones fail at once, with a reason."""

import re

import pytest
from django.core.files.base import ContentFile

from documents import tasks
from documents.models import Document
from rag_app import vectorstore
from rag_app.providers.base import ProviderError
from rag_app.tasks import backoff

pytestmark = [pytest.mark.django_db, pytest.mark.stack]


@pytest.fixture
def document(alice):
    document = Document(owner=alice, title="a.txt", original_name="a.txt", kind="text", size=5, sha256="a")
    document.file.save("a.txt", ContentFile(b"Otters swim."), save=False)
    document.save()
    return document


def failing_upsert(monkeypatch, failures, *, permanent):
    calls = []
    real = vectorstore.Collection.upsert

    def upsert(self, items):
        calls.append(len(items))
        if len(calls) <= failures:
            raise ProviderError("Chroma said no", permanent=permanent, provider="chroma")
        real(self, items)

    monkeypatch.setattr(vectorstore.Collection, "upsert", upsert)
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


def test_backoff_grows_is_capped_and_jittered():
    first = [backoff(0) for _ in range(200)]
    fourth = [backoff(3) for _ in range(200)]
    late = [backoff(20) for _ in range(200)]
    assert all(0 <= s <= 5 for s in first)
    assert all(0 <= s <= 40 for s in fourth)
    assert max(fourth) > 20  # it grows: 5 s doubled three times
    assert all(0 <= s <= 300 for s in late)  # capped at five minutes
    assert max(late) > 150
    assert len(set(late)) > 20  # full jitter: failures that happened together do not retry together


def test_retry_notes_say_when_and_why(document, monkeypatch, settings):
    settings.INGEST_RETRIES = 1
    failing_upsert(monkeypatch, 99, permanent=False)
    tasks.document_ingest_task.apply(args=(document.pk,))
    document.refresh_from_db()
    assert document.status == "failed"
    assert re.fullmatch(r"Retry 1 of 1 in \d+ s: Chroma said no", document.warnings), document.warnings


def test_task_is_idempotent_and_late_acknowledged():
    assert tasks.document_ingest_task.acks_late
    assert tasks.document_ingest_task.reject_on_worker_lost


def test_deleted_document_is_no_error(document):
    document_id = document.pk
    document.delete()
    assert tasks.document_ingest_task.apply(args=(document_id,)).successful()
