"""App config for notes."""

from django.apps import AppConfig


class NotesConfig(AppConfig):
    """User notes."""

    name = "notes"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from notes.indexing import SOURCE
        from rag_app.index import sources

        sources.register(SOURCE)
