"""Celery tasks for notes: take an id, call a service (retries: rag_app/tasks.py)."""

from __future__ import annotations

from django.conf import settings

from notes import actions, indexing
from notes.models import Note, NoteAction
from rag_app import leases
from rag_app.tasks import BACKOFF_MAX, service_task


@service_task(
    doing="indexing this note", fail=lambda note_id, reason: indexing.note_index_fail(note_id=note_id, reason=reason)
)
def note_index_task(note_id: int) -> None:
    """Index one note (idempotent: deterministic ids, upserts, a text check before writing)."""
    try:
        indexing.note_index(note_id=note_id)
    except Note.DoesNotExist:
        return  # deleted before the worker got to it


@service_task(doing="removing a note from the index")
def note_unindex_task(note_id: int) -> None:
    """Remove a deleted note's vectors from every owner's collection (retrieval ignores orphans meanwhile)."""
    indexing.note_unindex(note_id=note_id)


def _action_failed(action_id: int, reason: str) -> None:
    action = NoteAction.objects.filter(pk=action_id).first()
    if action is not None:
        actions.note_action_fail(action=action, reason=reason)


def _action_retrying(action_id: int, note: str) -> None:
    NoteAction.objects.filter(pk=action_id).update(
        status=NoteAction.Status.QUEUED,
        error=note,
        resend_at=leases.resend_after(BACKOFF_MAX + settings.OUTBOX_RESEND_SECONDS),
    )


@service_task(doing="running this action", fail=_action_failed, on_retry=_action_retrying)
def note_action_task(action_id: int) -> None:
    """Run one LLM action; a redelivered action that already finished is skipped by the service."""
    try:
        actions.note_action_run(action_id=action_id)
    except NoteAction.DoesNotExist:
        return  # its note was deleted meanwhile
