"""Browser pages for documents: the list with an upload form."""

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
                services.document_create(owner=current_user(request), upload=upload)
                messages.success(request, f"{upload.name} uploaded; it is being processed.")
            except ApplicationError as exc:
                messages.error(request, exc.message)
        return redirect("documents:list")
    documents = selectors.document_list(owner=current_user(request))
    busy = any(d.status in (Document.Status.QUEUED, Document.Status.PROCESSING) for d in documents)
    return render(request, "documents/list.html", {"documents": documents, "busy": busy})


@login_required
def document_detail_view(request: HttpRequest, document_id: int) -> HttpResponse:
    """One document with its chunks."""
    document = get_object_or_404(selectors.document_list(owner=current_user(request)), pk=document_id)
    return render(request, "documents/detail.html", {"document": document, "chunks": document.chunks.all()})
