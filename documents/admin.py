"""Admin for documents: operators can see status and errors."""

from django.contrib import admin

from documents.models import Document
from rag_app import leases


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin[Document]):
    """Documents with their ingestion state."""

    list_display = ["id", "title", "owner", "kind", "status", "stage", "chunk_count", "created_at"]
    list_filter = ["status", "kind"]
    search_fields = ["title", "owner__username", "sha256"]
    readonly_fields = [
        "sha256",
        "size",
        "mime_type",
        "status",
        "error",
        "warnings",
        "stage",
        "progress_done",
        "progress_total",
        "stage_started_at",
        "page_count",
        "chunk_count",
        "worker_losses",
        *leases.ADMIN_READONLY,
    ]
