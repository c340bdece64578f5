"""App config for documents."""

from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    """Uploaded documents and their chunks."""

    name = "documents"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from documents import selectors
        from documents.indexing import SOURCE
        from rag_app import metrics
        from rag_app.index import sources

        sources.register(SOURCE)
        metrics.on_scrape("documents", selectors.document_status_metrics)
