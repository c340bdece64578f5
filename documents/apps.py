"""App config for documents."""

from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    """Uploaded documents and their chunks."""

    name = "documents"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from documents.indexing import SOURCE
        from documents.services import documents_reap
        from rag_app import leases
        from rag_app.index import sources

        sources.register(SOURCE)
        leases.register("documents", documents_reap)
