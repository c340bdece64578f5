"""App config for Q&A."""

from django.apps import AppConfig


class QaConfig(AppConfig):
    """Questions, answers and their citations."""

    name = "rag_app.qa"
    label = "qa"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from rag_app import leases
        from rag_app.qa.recovery import answers_reap

        leases.register("answers", answers_reap)
