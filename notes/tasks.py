"""Celery tasks for notes: take an id, call a service."""

from __future__ import annotations

from celery import Task, shared_task

from notes import actions, indexing
from notes.models import Note, NoteAction
from rag_app.providers.base import ProviderError

MAX_RETRIES = 5


def _backoff(retries: int) -> int:
    return int(min(300, 5 * 2**retries))


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=MAX_RETRIES)
def note_index_task(self: Task[[int], None], note_id: int) -> None:
    """Index one note; transient provider errors retry with backoff, then mark it failed.

    acks_late is safe: indexing is idempotent (deterministic ids, upserts, a text check before writing).
    """
    try:
        indexing.note_index(note_id=note_id)
    except Note.DoesNotExist:
        return  # deleted before the worker got to it
    except ProviderError as exc:
        if self.request.retries >= MAX_RETRIES:
            indexing.note_index_fail(note_id=note_id, reason=f"Gave up after {MAX_RETRIES} retries: {exc}")
            return
        raise self.retry(exc=exc, countdown=_backoff(self.request.retries)) from exc
    except Exception as exc:
        indexing.note_index_fail(note_id=note_id, reason=f"Internal error while indexing: {exc}")
        raise


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=MAX_RETRIES)
def note_unindex_task(self: Task[[int], None], note_id: int) -> None:
    """Remove a deleted note's vectors; idempotent, so retried on transient errors."""
    try:
        indexing.note_unindex(note_id=note_id)
    except ProviderError as exc:
        if exc.permanent or self.request.retries >= MAX_RETRIES:
            raise  # retrieval still ignores the orphans: the database has no chunks for them
        raise self.retry(exc=exc, countdown=_backoff(self.request.retries)) from exc


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=MAX_RETRIES)
def note_action_task(self: Task[[int], None], action_id: int) -> None:
    """Run one LLM action; transient provider errors retry with backoff, then mark it failed.

    acks_late: a redelivered action that already finished is skipped by the service.
    """
    try:
        actions.note_action_run(action_id=action_id)
    except NoteAction.DoesNotExist:
        return  # its note was deleted meanwhile
    except ProviderError as exc:
        action = NoteAction.objects.get(pk=action_id)
        if self.request.retries >= MAX_RETRIES:
            actions.note_action_fail(action=action, reason=f"Gave up after {MAX_RETRIES} retries: {exc}")
            return
        action.status = NoteAction.Status.QUEUED
        action.error = f"Retrying: {exc}"
        action.save(update_fields=["status", "error"])
        raise self.retry(exc=exc, countdown=_backoff(self.request.retries)) from exc
    except Exception as exc:
        unfinished = NoteAction.objects.filter(pk=action_id).first()
        if unfinished is not None:
            actions.note_action_fail(action=unfinished, reason=f"Internal error: {exc}")
        raise
