"""Browser pages for documents: the list with an upload form, a document with its passages."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from documents import selectors, services
from documents.models import Document
from rag_app.auth import current_user
from rag_app.errors import ApplicationError


@login_required
@require_http_methods(["GET", "POST"])
def document_list_view(request: HttpRequest) -> HttpResponse:
    """List the user's documents; POST uploads the chosen files."""
    if request.method == "POST":
        files = request.FILES.getlist("file")
        if not files:
            messages.error(request, "Choose a file to upload.")
        for upload in files:
            try:
                document, created = services.document_create(owner=current_user(request), upload=upload)
                if created:
                    messages.success(request, f"{upload.name} uploaded; it is being processed.")
                else:
                    messages.info(request, f"{upload.name} was uploaded before, as {document.title!r}.")
            except ApplicationError as exc:
                messages.error(request, exc.message)
        return redirect("documents:list")
    documents = selectors.document_list(owner=current_user(request))
    busy = any(d.status in (Document.Status.QUEUED, Document.Status.PROCESSING) for d in documents)
    return render(request, "documents/list.html", {"documents": documents, "busy": busy})


@login_required
def document_detail_view(request: HttpRequest, document_id: int) -> HttpResponse:
    """One document with its progress and chunks."""
    document = get_object_or_404(selectors.document_list(owner=current_user(request)), pk=document_id)
    context = {
        "document": document,
        "chunks": document.chunks.all(),
        "progress": selectors.document_progress(document),
        "busy": document.status in (Document.Status.QUEUED, Document.Status.PROCESSING),
    }
    return render(request, "documents/detail.html", context)


@login_required
@require_http_methods(["POST"])
def document_action_view(request: HttpRequest, document_id: int, action: str) -> HttpResponse:
    """POST .../delete/ or .../reingest/ from the detail page."""
    document = get_object_or_404(selectors.document_list(owner=current_user(request)), pk=document_id)
    try:
        if action == "delete":
            services.document_delete(document=document)
            messages.success(request, f"{document.title} deleted.")
            return redirect("documents:list")
        services.document_reingest(document=document)
        messages.success(request, f"{document.title} queued to be processed again.")
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("documents:detail", document_id=document_id)
