"""Browser pages for notes: list and search, write with preview, read, act, undo and restore."""

from __future__ import annotations

import html

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.html import strip_tags
from django.utils.text import Truncator
from django.views.decorators.http import require_http_methods, require_POST

from documents import selectors as document_selectors
from documents.models import Document
from notes import actions, selectors, services
from notes.forms import ActionForm, GenerateForm, NoteForm, PreviewForm
from notes.models import Note
from rag_app.auth import current_user
from rag_app.errors import ApplicationError
from rag_app.markdown import render_markdown

PAGE_SIZE = 20


def _note(request: HttpRequest, note_id: int) -> Note:
    return get_object_or_404(selectors.note_list(owner=current_user(request)), pk=note_id)


@login_required
def note_list_view(request: HttpRequest) -> HttpResponse:
    """The user's notes, searchable by text and filterable by tag, a page at a time."""
    owner = current_user(request)
    query = request.GET.get("q", "")[:200]
    tag = request.GET.get("tag", "")[:100]
    notes = selectors.note_list(owner=owner, query=query, tag=tag)
    page = Paginator(notes, PAGE_SIZE).get_page(request.GET.get("page"))
    for note in page.object_list:
        note.excerpt = _excerpt(note.body)
    context = {"page": page, "q": query, "tag": tag, "tags": selectors.note_tag_names(owner=owner)}
    return render(request, "notes/list.html", context)


def _excerpt(body: str, length: int = 180) -> str:
    """The start of a note as plain text: its Markdown rendered and sanitised, then stripped of tags."""
    text = " ".join(html.unescape(strip_tags(render_markdown(body))).split())
    return Truncator(text).chars(length)


def _form_context(title: str, body: str, tags: str, version: int | None) -> dict[str, object]:
    return {"title": title, "body": body, "tags": tags, "version": version}


@login_required
@require_http_methods(["GET", "POST"])
def note_create_view(request: HttpRequest) -> HttpResponse:
    """A blank note form; "Preview" renders the Markdown, "Save" creates the note."""
    if request.method == "GET":
        return render(request, "notes/form.html", _form_context("", "", "", None))
    form = NoteForm(request.POST)
    form.is_valid()  # every field is optional text: the service says what is wrong with it
    title, body, tags = (form.cleaned_data.get(k) or "" for k in ("title", "body", "tags"))
    context = _form_context(title, body, tags, None)
    if form.wants_preview():
        return render(request, "notes/form.html", {**context, "preview": render_markdown(body)})
    try:
        note = services.note_create(owner=current_user(request), title=title, body=body, tags=services.split_tags(tags))
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return render(request, "notes/form.html", context, status=exc.status)
    messages.success(request, "Note saved; it is being indexed for questions.")
    return redirect("notes:detail", note_id=note.pk)


@login_required
@require_http_methods(["GET", "POST"])
def note_edit_view(request: HttpRequest, note_id: int) -> HttpResponse:
    """Edit a note; a save over someone else's newer change is refused and shows that change."""
    note = _note(request, note_id)
    if request.method == "GET":
        context = _form_context(note.title, note.body, ", ".join(note.tag_names), note.version)
        return render(request, "notes/form.html", {**context, "note": note})
    form = NoteForm(request.POST)
    form.is_valid()  # a version that is not a number is 0: stale, so the save is refused as a conflict
    title, body, tags = (form.cleaned_data.get(k) or "" for k in ("title", "body", "tags"))
    version = form.cleaned_data.get("version") or 0
    context = {**_form_context(title, body, tags, version), "note": note}
    if form.wants_preview():
        return render(request, "notes/form.html", {**context, "preview": render_markdown(body)})
    try:
        note = services.note_update(
            note=note, expected_version=version, title=title, body=body, tags=services.split_tags(tags)
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
        if exc.code == "version_conflict":
            # Keep what the user typed; saving again now knowingly overwrites the newer version.
            note.refresh_from_db()
            context.update(version=note.version, conflict=note, conflict_html=render_markdown(note.body))
        return render(request, "notes/form.html", context, status=exc.status)
    messages.success(request, f"Saved as version {note.version}.")
    return redirect("notes:detail", note_id=note.pk)


@login_required
def note_detail_view(request: HttpRequest, note_id: int) -> HttpResponse:
    """A note rendered, with its actions, undo and indexed passages."""
    note = _note(request, note_id)
    recent = list(selectors.note_action_list(owner=current_user(request), note=note)[:10])
    busy = note.index_status in (Note.IndexStatus.QUEUED, Note.IndexStatus.INDEXING) or any(
        a.in_progress for a in recent
    )
    context = {
        "note": note,
        "actions": recent,
        "busy": busy,
        "chunks": note.chunks.all(),
        "action_kinds": [(k.value, k.label) for k in actions.NOTE_ACTIONS],
    }
    # htmx polls the changing part of the page while the worker is busy with the note.
    template = "notes/_live.html" if _is_htmx(request) else "notes/detail.html"
    return render(request, template, context)


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


@login_required
@require_POST
def note_preview_view(request: HttpRequest) -> HttpResponse:
    """The editor's live preview: the posted body as sanitised HTML (nothing is saved)."""
    form = PreviewForm(request.POST)
    body = (form.cleaned_data["body"] if form.is_valid() else "")[: settings.NOTE_MAX_CHARS]
    return render(request, "notes/_preview.html", {"preview": render_markdown(body)})


@login_required
@require_http_methods(["GET", "POST"])
def note_delete_view(request: HttpRequest, note_id: int) -> HttpResponse:
    """Ask, then delete a note (it also leaves the index)."""
    note = _note(request, note_id)
    if request.method == "POST":
        services.note_delete(note=note)
        messages.success(request, f"Deleted {note.title!r}.")
        return redirect("notes:list")
    return render(request, "notes/confirm_delete.html", {"note": note})


@login_required
@require_POST
def note_undo_view(request: HttpRequest, note_id: int) -> HttpResponse:
    """Undo the last change."""
    note = _note(request, note_id)
    try:
        note = services.note_undo(note=note)
        messages.success(request, f"{note.change}.")
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("notes:detail", note_id=note.pk)


@login_required
def note_history_view(request: HttpRequest, note_id: int) -> HttpResponse:
    """Earlier versions with a restore button each."""
    note = _note(request, note_id)
    versions = Paginator(selectors.note_version_list(note=note), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "notes/history.html", {"note": note, "page": versions})


@login_required
@require_POST
def note_restore_view(request: HttpRequest, note_id: int, version: int) -> HttpResponse:
    """Make an earlier version current."""
    note = _note(request, note_id)
    try:
        note = services.note_restore(note=note, version=version)
        messages.success(request, f"Restored version {version} as version {note.version}.")
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("notes:detail", note_id=note.pk)


@login_required
@require_POST
def note_action_view(request: HttpRequest, note_id: int) -> HttpResponse:
    """Queue an LLM action on the note."""
    note = _note(request, note_id)
    try:
        form = ActionForm(request.POST)
        kind = form.cleaned_data["kind"] if form.is_valid() else ""
        action = actions.note_action_start(owner=current_user(request), note=note, kind=kind)
        messages.success(request, f"{action.get_kind_display()}: queued.")
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("notes:detail", note_id=note.pk)


@login_required
@require_http_methods(["GET", "POST"])
def note_generate_view(request: HttpRequest) -> HttpResponse:
    """Choose ready documents; the worker writes a note with their key points."""
    owner = current_user(request)
    documents = document_selectors.document_list(owner=owner).filter(status=Document.Status.READY)
    if request.method == "POST":
        form = GenerateForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Choose documents from the list.")
        else:
            try:
                action = actions.note_generate_start(owner=owner, document_ids=form.cleaned_data["document"])
            except ApplicationError as exc:
                messages.error(request, exc.message)
            else:
                return redirect("notes:action", action_id=action.pk)
        return render(request, "notes/generate.html", {"documents": documents}, status=400)
    return render(request, "notes/generate.html", {"documents": documents})


@login_required
def note_action_detail_view(request: HttpRequest, action_id: int) -> HttpResponse:
    """One action's progress; refreshes itself until it is done or failed."""
    action = get_object_or_404(selectors.note_action_list(owner=current_user(request)), pk=action_id)
    template = "notes/_action_live.html" if _is_htmx(request) else "notes/action.html"
    return render(request, template, {"action": action})
