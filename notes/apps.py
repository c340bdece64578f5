"""App config for notes."""

from django.apps import AppConfig


class NotesConfig(AppConfig):
    """User notes."""

    name = "notes"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from notes.actions import note_actions_reap
        from notes.indexing import SOURCE
        from rag_app import leases
        from rag_app.index import sources

        sources.register(SOURCE)
        leases.register("note actions", note_actions_reap)
