"""Writes for notes: create, edit with a version check, undo, restore, delete.

Every change first keeps the note's current state as a NoteVersion, so any edit or LLM action can be
undone. A change to the title or body queues re-indexing once the transaction commits.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction

from notes.models import TAG_MAX_CHARS, TITLE_MAX_CHARS, Note, NoteTag, NoteVersion
from rag_app.errors import ApplicationError, ServiceError

MAX_TAGS = 20


def clean_title(title: str) -> str:
    """A title stripped of surrounding space; refused when empty or too long."""
    title = " ".join(title.split())
    if not title:
        raise ApplicationError("Give the note a title.", code="empty_title")
    if len(title) > TITLE_MAX_CHARS:
        raise ApplicationError(
            f"The title is {len(title)} characters; the limit is {TITLE_MAX_CHARS}.", code="title_too_long"
        )
    return title


def fit_title(text: str) -> str:
    """Text made into a title that fits (one line, cut with an ellipsis), for notes made from other things."""
    text = " ".join(text.split())
    return text if len(text) <= TITLE_MAX_CHARS else text[: TITLE_MAX_CHARS - 1].rstrip() + "…"


def clean_body(body: str) -> str:
    """A body within NOTE_MAX_CHARS (line endings normalised)."""
    body = body.replace("\r\n", "\n")
    if len(body) > settings.NOTE_MAX_CHARS:
        raise ApplicationError(
            f"The note is {len(body)} characters long; the limit is {settings.NOTE_MAX_CHARS}.",
            code="body_too_long",
        )
    return body


def clean_tags(tags: Iterable[str]) -> list[str]:
    """Lower-case tags with single dashes for spaces, duplicates dropped, sorted."""
    cleaned: list[str] = []
    for raw in tags:
        tag = "-".join(raw.lower().replace(",", " ").split())
        if not tag or tag in cleaned:
            continue
        if len(tag) > TAG_MAX_CHARS:
            raise ApplicationError(f"The tag {tag[:50]!r} is longer than {TAG_MAX_CHARS} characters.", code="bad_tag")
        cleaned.append(tag)
    if len(cleaned) > MAX_TAGS:
        raise ApplicationError(f"A note can have at most {MAX_TAGS} tags.", code="too_many_tags")
    return sorted(cleaned)


def split_tags(text: str) -> list[str]:
    """Tags typed as one comma-separated field (the browser form)."""
    return [t for t in text.split(",") if t.strip()]


def _set_tags(note: Note, tags: list[str]) -> None:
    note.tags.all().delete()
    NoteTag.objects.bulk_create(NoteTag(note=note, name=name) for name in tags)


def _enqueue_index(note: Note) -> None:
    from notes.tasks import note_index_task

    note_id = note.pk
    transaction.on_commit(lambda: note_index_task.delay(note_id))


@transaction.atomic
def note_create(*, owner: User, title: str, body: str = "", tags: Iterable[str] = (), change: str = "Created") -> Note:
    """Create a note and queue its indexing."""
    note = Note.objects.create(
        owner=owner, title=clean_title(title), body=clean_body(body), change=change[:200], undo_version=None
    )
    _set_tags(note, clean_tags(tags))
    _enqueue_index(note)
    return note


def _locked(note: Note, expected_version: int | None) -> Note:
    """The note's row, locked for this transaction, after checking the caller saw its latest version."""
    current = Note.objects.select_for_update().get(pk=note.pk)
    if expected_version is not None and expected_version != current.version:
        raise ApplicationError(
            f"This note was changed after you loaded it: you edited version {expected_version}, "
            f"it is now at version {current.version}. Reload it, apply your changes again and save.",
            status=409,
            code="version_conflict",
        )
    return current


def _snapshot(note: Note) -> NoteVersion:
    return NoteVersion.objects.create(
        note=note,
        version=note.version,
        title=note.title,
        body=note.body,
        summary=note.summary,
        tags=note.tag_names,
        undo_version=note.undo_version,
        change=note.change,
        changed_at=note.updated_at,
    )


def _apply(
    note: Note,
    *,
    change: str,
    undo_version: int | None,
    title: str | None = None,
    body: str | None = None,
    summary: str | None = None,
    tags: list[str] | None = None,
) -> Note:
    """Keep the current state as a version, then write the new one as version + 1 (note is locked)."""
    _snapshot(note)
    text_before = note.index_text()
    if title is not None:
        note.title = title
    if body is not None:
        note.body = body
    if summary is not None:
        note.summary = summary
    note.version += 1
    note.undo_version = undo_version
    note.change = change[:200]
    if note.index_text() != text_before:
        note.index_status = Note.IndexStatus.QUEUED
        _enqueue_index(note)
    note.save()
    if tags is not None:
        _set_tags(note, tags)
    return note


@transaction.atomic
def note_update(
    *,
    note: Note,
    expected_version: int,
    title: str | None = None,
    body: str | None = None,
    tags: Iterable[str] | None = None,
) -> Note:
    """Edit a note if nobody changed it since expected_version (else a 409); unchanged input is a no-op."""
    current = _locked(note, expected_version)
    new_title = clean_title(title) if title is not None else None
    new_body = clean_body(body) if body is not None else None
    new_tags = clean_tags(tags) if tags is not None else None
    if (
        (new_title is None or new_title == current.title)
        and (new_body is None or new_body == current.body)
        and (new_tags is None or new_tags == current.tag_names)
    ):
        return current
    return _apply(current, change="Edited", undo_version=current.version, title=new_title, body=new_body, tags=new_tags)


@transaction.atomic
def note_apply_change(
    *,
    note: Note,
    change: str,
    title: str | None = None,
    summary: str | None = None,
    tags: Iterable[str] | None = None,
) -> Note:
    """Apply an LLM action's result to the latest state of the note (undoable like an edit)."""
    current = _locked(note, None)
    return _apply(
        current,
        change=change,
        undo_version=current.version,
        title=clean_title(title) if title is not None else None,
        summary=summary,
        tags=clean_tags(tags) if tags is not None else None,
    )


@transaction.atomic
def note_undo(*, note: Note, expected_version: int | None = None) -> Note:
    """Go back to the state before the last change; undoing again walks further back."""
    current = _locked(note, expected_version)
    if current.undo_version is None:
        raise ApplicationError("There is nothing to undo on this note.", status=409, code="nothing_to_undo")
    target = current.versions.get(version=current.undo_version)
    return _apply(
        current,
        change=f"Undo: back to version {target.version}",
        undo_version=target.undo_version,
        title=target.title,
        body=target.body,
        summary=target.summary,
        tags=list(target.tags),
    )


@transaction.atomic
def note_restore(*, note: Note, version: int, expected_version: int | None = None) -> Note:
    """Make an earlier version the current one (as a new version, so the restore can be undone too)."""
    current = _locked(note, expected_version)
    target = current.versions.filter(version=version).first()
    if target is None:
        raise ApplicationError(f"This note has no earlier version {version}.", status=404, code="not_found")
    return _apply(
        current,
        change=f"Restored version {version}",
        undo_version=current.version,
        title=target.title,
        body=target.body,
        summary=target.summary,
        tags=list(target.tags),
    )


@transaction.atomic
def note_delete(*, note: Note) -> None:
    """Delete a note with its chunks and versions; its vectors are removed once this commits.

    From its owner's collection at once; if Chroma is down, by a task that retries (it no longer knows
    the owner then, so it looks in every owner's collection).
    """
    from notes.indexing import note_unindex
    from notes.tasks import note_unindex_task

    note_id, owner_id = note.pk, note.owner_id
    Note.objects.filter(pk=note_id).delete()

    def unindex() -> None:
        try:
            note_unindex(note_id=note_id, owner_id=owner_id)
        except ServiceError:
            note_unindex_task.delay(note_id)

    transaction.on_commit(unindex)
