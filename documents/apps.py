"""App config for documents."""

from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    """Uploaded documents and their chunks."""

    name = "documents"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from documents.indexing import SOURCE
        from documents.metrics import document_status_metrics
        from documents.services import documents_reap
        from rag_app import leases, metrics
        from rag_app.index import sources

        sources.register(SOURCE)
        metrics.on_scrape("documents", document_status_metrics)
        leases.register("documents", documents_reap)
