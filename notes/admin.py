"""Admin for notes: operators can see index state and action failures."""

from django.contrib import admin

from notes.models import Note, NoteAction
from rag_app import leases


@admin.register(Note)
class NoteAdmin(admin.ModelAdmin[Note]):
    """Notes with their version and index state."""

    list_display = ["id", "title", "owner", "version", "index_status", "chunk_count", "updated_at"]
    list_filter = ["index_status"]
    search_fields = ["title", "owner__username"]
    readonly_fields = ["version", "undo_version", "change", "index_status", "index_error", "chunk_count"]


@admin.register(NoteAction)
class NoteActionAdmin(admin.ModelAdmin[NoteAction]):
    """LLM actions with the model that ran them and any error."""

    list_display = ["id", "kind", "owner", "note", "status", "provider", "model", "created_at"]
    readonly_fields = leases.ADMIN_READONLY
    list_filter = ["kind", "status", "model"]
    search_fields = ["owner__username", "error"]
