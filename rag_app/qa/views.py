"""Browser pages for asking: conversations, streamed answers (with a no-JavaScript fallback)."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from documents import selectors as document_selectors
from notes import selectors as note_selectors
from rag_app.auth import current_user
from rag_app.errors import ApplicationError
from rag_app.qa import answer_html, failures, save_note, selectors, services
from rag_app.qa.forms import AskForm, RenameForm
from rag_app.qa.models import Answer, Conversation

_BUSY = (Answer.Status.PENDING, Answer.Status.STREAMING)


def _ask_form(request: HttpRequest, data: object = None) -> AskForm:
    """The ask form with the owner's ready documents and note tags to choose a scope from."""
    owner = current_user(request)
    documents = document_selectors.document_list(owner=owner, status="ready").order_by("title")
    return AskForm(
        data,
        documents=[(d.pk, d.title) for d in documents[:500]],
        tags=note_selectors.note_tag_names(owner=owner),
    )


def _page(
    request: HttpRequest,
    conversation: Conversation | None,
    status: int = 200,
    form: AskForm | None = None,
    **extra: object,
) -> HttpResponse:
    owner = current_user(request)
    answers = list(conversation.answers.order_by("created_at", "id")) if conversation else []
    for answer in answers:
        answer.html = answer_html.render(answer)  # type: ignore[attr-defined]
        answer.shown_error = failures.shown_error(answer, request.user)  # type: ignore[attr-defined]
    form = form or _ask_form(request)
    scope = answers[-1].scope if answers and not form.is_bound else {}  # a follow-up keeps the last scope
    posted = cast(QueryDict, form.data)
    context = {
        "conversation": conversation,
        "conversations": selectors.conversation_list(owner=owner, include_batches=False)[:50],
        "answers": answers,
        "busy": any(a.status in _BUSY for a in answers),
        "scope_documents": form.fields["documents"].choices,  # type: ignore[attr-defined]
        "scope_tags": form.fields["tags"].choices,  # type: ignore[attr-defined]
        "chosen_documents": [
            str(v) for v in (posted.getlist("documents") if form.is_bound else scope.get("document_ids", []))
        ],
        "chosen_tags": list(posted.getlist("tags") if form.is_bound else scope.get("tags", [])),
        **extra,
    }
    return render(request, "qa/ask.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def ask_view(request: HttpRequest) -> HttpResponse:
    """A new conversation; POST (without JavaScript) queues the question and opens its conversation."""
    if request.method == "GET":
        return _page(request, None)
    form = _ask_form(request, request.POST)
    form.is_valid()  # a conversation id that is not a number means a new conversation
    question = form.cleaned_data.get("question") or ""
    conversation_id = form.cleaned_data.get("conversation_id")
    try:
        if form.has_error("documents") or form.has_error("tags"):
            raise ApplicationError("Choose documents and tags from the lists (one of them is no longer there).")
        answer = services.answer_create(
            owner=current_user(request),
            question=question,
            conversation_id=conversation_id,
            document_ids=form.cleaned_data.get("documents") or [],
            tags=form.cleaned_data.get("tags") or [],
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
        conversation = selectors.conversation_list(owner=current_user(request)).filter(pk=conversation_id or 0).first()
        return _page(request, conversation, status=exc.status, form=form, question=question)
    url = reverse("qa:conversation", args=[answer.conversation_id])
    return redirect(f"{url}#answer-{answer.pk}")


@login_required
def conversation_view(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """A conversation: every turn with its sources, and the form for a follow-up."""
    owner = current_user(request)
    conversation = get_object_or_404(selectors.conversation_list(owner=owner), pk=conversation_id)
    # "Edit and resend" without JavaScript: ?edit=<answer id> puts that question back in the box.
    edit = (
        conversation.answers.filter(pk=request.GET.get("edit", "")).first()
        if request.GET.get("edit", "").isdigit()
        else None
    )
    return _page(request, conversation, question=edit.question if edit else "")


@login_required
@require_POST
def conversation_rename_view(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """Rename a conversation."""
    conversation = get_object_or_404(selectors.conversation_list(owner=current_user(request)), pk=conversation_id)
    form = RenameForm(request.POST)
    try:
        services.conversation_rename(
            conversation=conversation, title=form.cleaned_data["title"] if form.is_valid() else ""
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("qa:conversation", conversation_id=conversation.pk)


@login_required
@require_http_methods(["GET", "POST"])
def conversation_delete_view(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """Confirm, then delete a conversation."""
    conversation = get_object_or_404(selectors.conversation_list(owner=current_user(request)), pk=conversation_id)
    if request.method == "POST":
        services.conversation_delete(conversation=conversation)
        messages.success(request, f"Deleted the conversation “{conversation.title}”.")
        return redirect("qa:ask")
    return render(request, "qa/confirm_delete.html", {"conversation": conversation})


@login_required
def answer_view(request: HttpRequest, answer_id: int) -> HttpResponse:
    """An answer's place in its conversation."""
    answer = get_object_or_404(selectors.answer_list(owner=current_user(request)), pk=answer_id)
    return redirect(f"{reverse('qa:conversation', args=[answer.conversation_id])}#answer-{answer.pk}")


@login_required
@require_POST
def answer_save_note_view(request: HttpRequest, answer_id: int) -> HttpResponse:
    """Save one of the user's answers as a note and open it."""
    owner = current_user(request)
    answer = get_object_or_404(selectors.answer_list(owner=owner), pk=answer_id)
    note = save_note.answer_save_as_note(owner=owner, answer=answer)
    messages.success(request, "Answer saved as a note, with its sources as links.")
    return redirect("notes:detail", note_id=note.pk)
