"""Broker or Redis down when work is queued: the upload is kept and answered queued (then sent by the
outbox), a question is refused with a JSON 503 and nothing kept; never an HTML 500."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from documents import services as document_services
from documents.models import Document
from rag_app.celery import app
from rag_app.qa.models import Answer
from tests.resilience.servers import use_broker

pytestmark = pytest.mark.django_db(transaction=True)

NOWHERE = "redis://127.0.0.1:9/0"  # nothing listens on port 9


@pytest.fixture
def broker_down() -> Iterator[None]:
    """The Celery app's broker points at a port nobody listens on, for this test only."""
    real = app.conf.broker_url
    use_broker(NOWHERE)
    yield
    use_broker(real)


def test_an_upload_with_the_broker_down_is_kept_queued_and_sent_once_it_is_back(alice_api, broker_down):
    response = alice_api.post(
        "/api/documents/", {"file": SimpleUploadedFile("a.txt", b"Otters hold hands.")}, format="multipart"
    )
    assert response.status_code == 201, response.content
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["status"] == "queued"
    document = Document.objects.get(pk=body["id"])
    assert document.resend_at is not None  # the outbox entry, written with the row
    Document.objects.filter(pk=document.pk).update(resend_at=timezone.now())
    assert document_services.documents_reap() == 0  # the broker is still down: nothing sent, still waiting
    assert Document.objects.get(pk=document.pk).status == "queued"
    use_broker(settings.CELERY_BROKER_URL)  # the broker is back
    Document.objects.filter(pk=document.pk).update(resend_at=timezone.now())
    assert document_services.documents_reap() == 1  # sent now
    assert Document.objects.get(pk=document.pk).resend_at > timezone.now()


def test_a_question_with_redis_down_is_a_json_503_and_nothing_is_kept(alice_api, settings):
    settings.REDIS_URL = NOWHERE
    response = alice_api.post("/api/ask/", {"question": "Where are the otters?"}, format="json")
    assert response.status_code == 503, response.content
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]["code"] == "queue_unavailable"
    assert not Answer.objects.exists()


def test_a_streamed_question_with_redis_down_is_a_json_503(alice_api, settings):
    settings.REDIS_URL = NOWHERE
    response = alice_api.post(
        "/api/ask/", {"question": "Where?", "stream": True}, format="json", HTTP_ACCEPT="text/event-stream"
    )
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "queue_unavailable"
