"""Reads for notes, always scoped to an owner."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db.models import Q, QuerySet

from notes.models import Note, NoteAction, NoteChunk, NoteTag, NoteVersion


def note_list(*, owner: User, query: str = "", tag: str = "") -> QuerySet[Note]:
    """The owner's notes, most recently changed first; query searches title and body, tag filters."""
    notes = Note.objects.filter(owner=owner).prefetch_related("tags")
    query = query.strip()
    if query:
        notes = notes.filter(Q(title__icontains=query) | Q(body__icontains=query))
    tag = tag.strip().lower()
    if tag:
        notes = notes.filter(tags__name=tag)
    return notes


def note_tag_names(*, owner: User) -> list[str]:
    """Every tag the owner uses, sorted, for the filter."""
    return list(NoteTag.objects.filter(note__owner=owner).values_list("name", flat=True).distinct().order_by("name"))


def note_version_list(*, note: Note) -> QuerySet[NoteVersion]:
    """A note's earlier versions, newest first (the caller has already checked the owner)."""
    return note.versions.all()


def note_action_list(*, owner: User, note: Note | None = None) -> QuerySet[NoteAction]:
    """The owner's actions, newest first, optionally only those on one note."""
    actions = NoteAction.objects.filter(owner=owner).select_related("note")
    if note is not None:
        actions = actions.filter(note=note)
    return actions


def note_chunk_map(*, owner: User, chunk_keys: list[tuple[int, int]]) -> dict[tuple[int, int], NoteChunk]:
    """The owner's note chunks by (note_id, index), with their notes: the database's word on index hits."""
    if not chunk_keys:
        return {}
    chunks = NoteChunk.objects.filter(
        note__owner=owner,
        note_id__in={note_id for note_id, _ in chunk_keys},
        index__in={index for _, index in chunk_keys},
    ).select_related("note")
    wanted = set(chunk_keys)
    return {(c.note_id, c.index): c for c in chunks if (c.note_id, c.index) in wanted}
