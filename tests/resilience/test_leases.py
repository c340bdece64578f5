"""Leases, the reaper and the outbox on real PostgreSQL and Redis (no worker: the reaper runs here)."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from documents import services as document_services
from documents.models import Document
from notes.actions import note_actions_reap
from notes.models import Note, NoteAction
from rag_app import leases
from rag_app.qa import ending, stream
from rag_app.qa.models import Answer, Conversation
from rag_app.qa.recovery import answers_reap

pytestmark = pytest.mark.django_db


def document(owner, **fields) -> Document:
    doc = Document(owner=owner, title="a.txt", original_name="a.txt", kind="text", size=5, sha256="x", **fields)
    doc.file.save("a.txt", ContentFile(b"words"), save=False)
    doc.save()
    return doc


def expire(model, pk: int) -> None:
    model.objects.filter(pk=pk).update(lease_expires_at=timezone.now() - timedelta(seconds=1))


def test_a_lease_is_taken_once_and_again_only_after_it_expired(alice):
    doc = document(alice)
    rows = Document.objects.all()
    first = leases.acquire(rows, doc.pk, status=Document.Status.PROCESSING)
    assert first is not None
    assert leases.acquire(rows, doc.pk) is None  # a second delivery while the first works: nothing
    expire(Document, doc.pk)
    second = leases.acquire(rows, doc.pk)
    assert second is not None
    assert second != first
    assert not leases.renew(Document, doc.pk, first)  # the first holder lost it and knows
    assert leases.release(Document, doc.pk, second)
    doc.refresh_from_db()
    assert (doc.lease_expires_at, doc.worker) == (None, "")


@pytest.mark.django_db(transaction=True)  # the heartbeat thread has its own connection: it must see the row
def test_the_heartbeat_renews_the_lease_and_says_when_it_is_lost(alice, settings):
    settings.LEASE_SECONDS = 0.6
    doc = document(alice)
    holder = leases.acquire(Document.objects.all(), doc.pk)
    assert holder is not None
    with leases.heartbeat(Document, doc.pk, holder) as lost:
        time.sleep(1.5)  # longer than the lease: only renewals keep it
        assert not lost.is_set()
        assert Document.objects.get(pk=doc.pk).lease_expires_at > timezone.now()
        Document.objects.filter(pk=doc.pk).update(worker="someone-else")
        deadline = time.monotonic() + 5
        while not lost.is_set() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert lost.is_set()


def test_a_document_whose_worker_died_is_queued_again_once_then_fails_with_a_reason(alice):
    doc = document(alice, status=Document.Status.PROCESSING)
    assert leases.acquire(Document.objects.all(), doc.pk) is not None
    expire(Document, doc.pk)
    assert document_services.documents_reap() == 1
    doc.refresh_from_db()
    assert (doc.status, doc.worker_losses, doc.worker) == ("queued", 1, "")
    assert doc.resend_at is not None
    assert doc.resend_at > timezone.now()
    assert "worker stopped" in doc.warnings
    # the next worker dies too
    assert leases.acquire(Document.objects.all(), doc.pk, status=Document.Status.PROCESSING) is not None
    expire(Document, doc.pk)
    assert document_services.documents_reap() == 1
    doc.refresh_from_db()
    assert doc.status == "failed"
    assert "stopped twice" in doc.error
    assert "split the file" in doc.error


def test_a_finished_document_delivered_again_is_not_ingested_again(alice):
    doc = document(alice, status=Document.Status.READY, chunk_count=3)
    before = Document.objects.get(pk=doc.pk).updated_at
    again = document_services.document_ingest(document_id=doc.pk, queued_only=True)
    assert (again.status, again.chunk_count) == ("ready", 3)
    assert Document.objects.get(pk=doc.pk).updated_at == before  # not touched at all


def test_queued_work_whose_message_was_lost_is_sent_again(alice):
    doc = document(alice, resend_at=timezone.now() - timedelta(seconds=1))
    fresh = document(alice, resend_at=timezone.now() + timedelta(seconds=60))
    assert document_services.documents_reap() == 1
    assert Document.objects.get(pk=doc.pk).resend_at > timezone.now()
    assert Document.objects.get(pk=fresh.pk).resend_at == fresh.resend_at


def test_an_answer_whose_worker_died_fails_and_its_listeners_hear_it(alice):
    conversation = Conversation.objects.create(owner=alice, title="q")
    answer = Answer.objects.create(owner=alice, conversation=conversation, question="q?")
    stream.reset(answer.pk)
    assert leases.acquire(Answer.objects.all(), answer.pk, status=Answer.Status.STREAMING) is not None
    assert answers_reap() == 0  # its lease is alive
    expire(Answer, answer.pk)
    assert answers_reap() == 1
    answer.refresh_from_db()
    assert (answer.status, answer.error) == ("failed", ending.WORKER_STOPPED)
    events = stream.read(answer.pk, "0", timeout=1)
    assert [(e.kind, e.data["code"]) for e in events] == [("error", "worker_lost")]
    assert answers_reap() == 0  # once


def test_a_note_action_whose_worker_died_fails_with_a_reason(alice):
    note = Note.objects.create(owner=alice, title="n", body="b")
    action = NoteAction.objects.create(owner=alice, note=note, kind=NoteAction.Kind.SUMMARISE)
    assert leases.acquire(NoteAction.objects.all(), action.pk, status=NoteAction.Status.RUNNING) is not None
    expire(NoteAction, action.pk)
    assert note_actions_reap() == 1
    action.refresh_from_db()
    assert action.status == "failed"
    assert "worker stopped" in action.error


def test_the_reaper_task_runs_every_registered_reaper(alice):
    doc = document(alice, status=Document.Status.PROCESSING)
    assert leases.acquire(Document.objects.all(), doc.pk) is not None
    expire(Document, doc.pk)
    from rag_app.tasks import reap_task

    assert reap_task.apply().get() == {"documents": 1}
