"""App config for Q&A."""

from django.apps import AppConfig


class QaConfig(AppConfig):
    """Questions, answers and their citations."""

    name = "rag_app.qa"
    label = "qa"
    default_auto_field = "django.db.models.BigAutoField"
