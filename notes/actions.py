"""Writes for note actions: queue them, run them through the chat model, record who did what.

Summarise and suggest change an existing note through note_apply_change (so they can be undone);
"key points from documents" creates a new note (saving an answer as a note is rag_app/qa/save_note.py).
"""

from __future__ import annotations

import logging

from django.contrib.auth.models import User
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from documents import selectors as document_selectors
from documents.models import Document
from notes import prompts, services
from notes.models import Note, NoteAction
from rag_app import leases
from rag_app.errors import ApplicationError
from rag_app.markdown import link_text
from rag_app.providers import registry
from rag_app.providers.base import ChatResult, Message, ProviderError

log = logging.getLogger(__name__)

NOTE_ACTIONS = (NoteAction.Kind.SUMMARISE, NoteAction.Kind.SUGGEST)
MAX_SOURCE_DOCUMENTS = 10
_PROMPTS = {
    NoteAction.Kind.SUMMARISE: prompts.SUMMARISE,
    NoteAction.Kind.SUGGEST: prompts.SUGGEST,
    NoteAction.Kind.FROM_DOCUMENTS: prompts.KEY_POINTS,
}


FIRST_RESEND_SECONDS = 10


def _enqueue(action: NoteAction) -> None:
    """Send the task on commit; resend_at, written in the caller's transaction, is its outbox entry."""
    from notes.tasks import note_action_task

    NoteAction.objects.filter(pk=action.pk).update(resend_at=leases.resend_after(FIRST_RESEND_SECONDS))
    leases.send_on_commit(note_action_task, action.pk, row=(NoteAction, action.pk))


@transaction.atomic
def note_action_start(*, owner: User, note: Note, kind: str) -> NoteAction:
    """Queue an LLM action on one of the owner's notes."""
    if kind not in NOTE_ACTIONS:
        raise ApplicationError(f"Unknown action {kind!r}: use one of {', '.join(NOTE_ACTIONS)}.", code="bad_action")
    if note.owner_id != owner.pk:  # callers pass notes from an owner-scoped selector; this is a second lock
        raise ApplicationError("Note not found.", status=404, code="not_found")
    prompt = _PROMPTS[NoteAction.Kind(kind)]
    action = NoteAction.objects.create(
        owner=owner,
        note=note,
        kind=kind,
        version_before=note.version,
        prompt_name=prompt.name,
        prompt_version=prompt.version,
    )
    _enqueue(action)
    return action


@transaction.atomic
def note_generate_start(*, owner: User, document_ids: list[int]) -> NoteAction:
    """Queue writing a new note with the key points of some of the owner's ready documents."""
    wanted = list(dict.fromkeys(document_ids))
    if not wanted:
        raise ApplicationError("Choose at least one document.", code="no_documents")
    if len(wanted) > MAX_SOURCE_DOCUMENTS:
        raise ApplicationError(f"Choose at most {MAX_SOURCE_DOCUMENTS} documents.", code="too_many_documents")
    ready = set(
        document_selectors.document_list(owner=owner)
        .filter(pk__in=wanted, status=Document.Status.READY)
        .values_list("pk", flat=True)
    )
    missing = [d for d in wanted if d not in ready]
    if missing:
        raise ApplicationError(
            f"These documents are not among your ready documents: {', '.join(map(str, missing))}.",
            code="bad_documents",
        )
    action = NoteAction.objects.create(
        owner=owner,
        kind=NoteAction.Kind.FROM_DOCUMENTS,
        params={"document_ids": wanted},
        prompt_name=prompts.KEY_POINTS.name,
        prompt_version=prompts.KEY_POINTS.version,
    )
    _enqueue(action)
    return action


def note_action_run(*, action_id: int) -> NoteAction:
    """Run a queued action with the chat model and apply its result.

    Transient provider errors propagate so the task can retry; permanent ones mark the action failed.
    """
    action = NoteAction.objects.select_related("note", "owner").get(pk=action_id)
    started = timezone.now()
    queued = NoteAction.objects.filter(status__in=(NoteAction.Status.QUEUED, NoteAction.Status.RUNNING))
    holder = leases.acquire(queued, action.pk, status=NoteAction.Status.RUNNING, started_at=started, error="")
    if holder is None:
        return action  # delivered twice: running elsewhere, or already finished
    action.status, action.started_at, action.error = NoteAction.Status.RUNNING, started, ""
    try:
        with leases.heartbeat(NoteAction, action.pk, holder):
            return _run(action)
    finally:
        leases.release(NoteAction, action.pk, holder)


def _run(action: NoteAction) -> NoteAction:
    try:
        if action.kind == NoteAction.Kind.FROM_DOCUMENTS:
            _run_key_points(action)
        else:
            _run_on_note(action)
    except ProviderError as exc:
        if exc.permanent:
            return note_action_fail(action=action, reason=str(exc))
        raise
    except ApplicationError as exc:
        return note_action_fail(action=action, reason=exc.message)
    action.status = NoteAction.Status.DONE
    action.finished_at = timezone.now()
    action.save(update_fields=_RESULT_FIELDS)
    log.info("Note action %s (%s) done by %s", action.pk, action.kind, action.model)
    return action


def _complete(action: NoteAction, messages: list[Message], max_tokens: int) -> ChatResult:
    result = registry.chat_model().complete(messages, max_tokens=max_tokens, temperature=prompts.TEMPERATURE)
    action.provider = result.provider
    action.model = result.model
    return result


def _model_label(action: NoteAction) -> str:
    return f"{action.provider}:{action.model}" if action.provider else action.model


def _run_on_note(action: NoteAction) -> None:
    note = action.note
    if note is None:
        raise ApplicationError("The note is gone.", code="not_found")
    if action.kind == NoteAction.Kind.SUMMARISE:
        result = _complete(action, prompts.summary_messages(note.title, note.body), prompts.SUMMARY_MAX_TOKENS)
        summary = prompts.drop_repeats(result.text)
        if not summary:
            raise ApplicationError(f"{_model_label(action)} returned an empty summary.", code="empty_result")
        action.result = {"summary": summary}
        note = services.note_apply_change(note=note, summary=summary, change=f"Summary by {_model_label(action)}")
    else:
        result = _complete(action, prompts.suggest_messages(note.title, note.body), prompts.SUGGEST_MAX_TOKENS)
        title, tags = prompts.parse_suggestion(result.text)
        if not title and not tags:
            raise ApplicationError(
                f"{_model_label(action)} suggested neither a title nor tags: {result.text[:200]!r}", code="empty_result"
            )
        action.result = {"title": title, "tags": tags, "raw": result.text[:1000]}
        note = services.note_apply_change(
            note=note,
            title=title or None,
            tags=sorted(set(note.tag_names) | set(tags)),
            change=f"Title and tags suggested by {_model_label(action)}",
        )
    action.version_after = note.version


def _run_key_points(action: NoteAction) -> None:
    document_ids = [int(d) for d in action.params.get("document_ids", [])]
    documents = list(
        document_selectors.document_list(owner=action.owner)
        .filter(pk__in=document_ids, status=Document.Status.READY)
        .prefetch_related("chunks")
    )
    if not documents:
        raise ApplicationError("None of the chosen documents is ready any more.", code="bad_documents")
    documents.sort(key=lambda d: document_ids.index(d.pk))  # in the order the user chose them
    sources = [(d.title, " ".join(c.text for c in d.chunks.all())) for d in documents]
    result = _complete(action, prompts.key_points_messages(sources), prompts.KEY_POINTS_MAX_TOKENS)
    points = prompts.tidy_points(result.text)
    if not points:
        raise ApplicationError(f"{_model_label(action)} returned no key points.", code="empty_result")
    links = "\n".join(f"- [{link_text(d.title)}]({reverse('documents:detail', args=[d.pk])})" for d in documents)
    title = services.fit_title("Key points: " + ", ".join(d.title for d in documents))
    note = services.note_create(
        owner=action.owner,
        title=title,
        body=f"{points}\n\n## Sources\n\n{links}\n",
        tags=["key-points"],
        change=f"Key points by {_model_label(action)}",
    )
    action.note = note
    action.result = {"note_id": note.pk}
    action.version_after = note.version


_RESULT_FIELDS = [
    "note",
    "status",
    "error",
    "result",
    "provider",
    "model",
    "version_after",
    "started_at",
    "finished_at",
]


def note_actions_reap() -> int:
    """Fail actions whose worker died; send again those whose message was lost."""
    from notes.tasks import note_action_task

    count = 0
    for action in NoteAction.objects.filter(leases.expired(), status=NoteAction.Status.RUNNING):
        if NoteAction.objects.filter(leases.expired(), pk=action.pk, worker=action.worker).update(
            lease_expires_at=None, worker=""
        ):
            note_action_fail(action=action, reason="The worker stopped while running this action; run it again.")
            count += 1
    waiting = NoteAction.objects.filter(leases.free(), status=NoteAction.Status.QUEUED, resend_at__lt=timezone.now())
    for action_id in waiting.values_list("pk", flat=True):
        NoteAction.objects.filter(pk=action_id).update(resend_at=leases.resend_after(FIRST_RESEND_SECONDS))
        count += leases.send(note_action_task, action_id, row=(NoteAction, action_id))
    return count


def note_action_fail(*, action: NoteAction, reason: str) -> NoteAction:
    """Mark an action failed with a reason a person can read."""
    action.status = NoteAction.Status.FAILED
    action.error = reason[:2000]
    action.finished_at = timezone.now()
    action.save(update_fields=["status", "error", "finished_at", "provider", "model"])
    log.warning("Note action %s failed: %s", action.pk, reason)
    return action
