"""Browser pages for documents: list with upload, filter and live progress; one document; delete; file."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from documents import selectors, services
from documents.forms import ReturnForm, UploadForm
from documents.models import Document
from documents.page_images import PageImageError, page_png
from documents.search import passage_matches
from rag_app.auth import current_user
from rag_app.errors import ApplicationError

PAGE_SIZE = 50
ACCEPT = ".pdf,.docx,.pptx,.html,.htm,.txt,.md,.markdown,.png,.jpg,.jpeg,.webp"


def _own(request: HttpRequest, document_id: int) -> Document:
    return get_object_or_404(selectors.document_list(owner=current_user(request)), pk=document_id)


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


@login_required
@require_http_methods(["GET", "POST"])
def document_list_view(request: HttpRequest) -> HttpResponse:
    """List, search and filter the user's documents; POST uploads the chosen files (the no-JS path).

    htmx requests (the progress poll and the refresh after a drag-and-drop upload) get the list alone.
    """
    if request.method == "POST":
        _upload(request)
        return redirect("documents:list")
    query = request.GET.get("q", "")[:200]
    status = request.GET.get("status", "")
    documents = selectors.document_list(owner=current_user(request), query=query, status=status)
    page = Paginator(documents, PAGE_SIZE).get_page(request.GET.get("page"))
    if query.strip():  # where the words were found, for each document on this page
        found = passage_matches(owner=current_user(request), query=query, document_ids=[d.pk for d in page])
        for document in page:
            document.match = found.get(document.pk)  # type: ignore[attr-defined]
    context = {
        "page": page,
        "q": query,
        "status": status if status in Document.Status.values else "",
        "statuses": Document.Status.choices,
        "busy": any(selectors.document_is_busy(d) for d in page.object_list),
        "filtered": bool(query or status),
        "accept": ACCEPT,
        "max_upload_bytes": settings.MAX_UPLOAD_MB * 1024 * 1024,
    }
    template = "documents/_list.html" if _is_htmx(request) else "documents/list.html"
    return render(request, template, context)


def _upload(request: HttpRequest) -> None:
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        for error in form.errors.get("file") or ["Choose a file to upload."]:
            messages.error(request, str(error))
        return
    for upload in form.cleaned_data["file"]:
        try:
            document, created = services.document_create(owner=current_user(request), upload=upload)
        except ApplicationError as exc:
            messages.error(request, exc.message)
            continue
        if created:
            messages.success(request, f"{document.title} uploaded; it is being processed.")
        else:
            messages.info(request, f"{upload.name} was uploaded before, as {document.title!r}.")


@login_required
def document_detail_view(request: HttpRequest, document_id: int) -> HttpResponse:
    """One document: its state and progress, and its passages (an image's description and OCR text apart)."""
    document = _own(request, document_id)
    chunks = list(document.chunks.all())
    ocr = [c for c in chunks if c.generated_by.startswith("tesseract")]
    context = {
        "document": document,
        "chunks": chunks,
        "ocr_chunks": ocr,
        "caption_chunks": [c for c in chunks if c.generated_by and c not in ocr],
        "progress": selectors.document_progress(document),
        "busy": selectors.document_is_busy(document),
    }
    template = "documents/_state.html" if _is_htmx(request) else "documents/detail.html"
    return render(request, template, context)


@login_required
def document_file_view(request: HttpRequest, document_id: int) -> FileResponse:
    """The uploaded file: images shown inline, anything else downloaded (never rendered by the browser)."""
    document = _own(request, document_id)
    if not document.file:
        raise Http404("The file is gone.")
    inline = document.kind == Document.Kind.IMAGE and document.mime_type in ("image/png", "image/jpeg", "image/webp")
    response = FileResponse(
        document.file.open("rb"),
        as_attachment=not inline,
        filename=document.original_name,
        content_type=document.mime_type if inline else "application/octet-stream",
    )
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@login_required
def document_page_image_view(request: HttpRequest, document_id: int, number: int) -> HttpResponse:
    """A PDF page rendered as a PNG (for a citation's page beside the answer, and the page view)."""
    try:
        png = page_png(_own(request, document_id), number)
    except PageImageError as exc:
        raise Http404(str(exc)) from exc
    response = HttpResponse(png, content_type="image/png")
    response["Cache-Control"] = "private, max-age=86400"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@login_required
def document_page_view(request: HttpRequest, document_id: int, number: int) -> HttpResponse:
    """One page of a document: the PDF page as an image (where it is a PDF) and the passages from it."""
    document = _own(request, document_id)
    if number < 1 or (document.page_count and number > document.page_count):
        raise Http404(f"The document has no page {number}.")
    context = {
        "document": document,
        "number": number,
        "chunks": document.chunks.filter(page=number),
        "previous": number - 1 if number > 1 else None,
        "next": number + 1 if document.page_count and number < document.page_count else None,
    }
    return render(request, "documents/page.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def document_delete_view(request: HttpRequest, document_id: int) -> HttpResponse:
    """GET asks for confirmation (works without JavaScript); POST deletes file, passages and vectors."""
    document = _own(request, document_id)
    if request.method == "GET":
        return render(request, "documents/confirm_delete.html", {"document": document})
    try:
        services.document_delete(document=document)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("documents:detail", document_id=document_id)
    messages.success(request, f"{document.title} deleted.")
    return redirect("documents:list")


@login_required
@require_POST
def document_reingest_view(request: HttpRequest, document_id: int) -> HttpResponse:
    """Queue the document to be processed again; back to where the button was (the list or the document)."""
    document = _own(request, document_id)
    try:
        services.document_reingest(document=document)
        messages.success(request, f"{document.title} queued to be processed again.")
    except ApplicationError as exc:
        messages.error(request, exc.message)
    form = ReturnForm(request.POST)
    back = form.cleaned_data["next"] if form.is_valid() else ""
    if url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(back)
    return redirect("documents:detail", document_id=document_id)
