"""App config for the provider layer (its settings live in the database from the provider issue on)."""

from django.apps import AppConfig


class ProvidersConfig(AppConfig):
    """Model providers."""

    name = "rag_app.providers"
    label = "providers"
    default_auto_field = "django.db.models.BigAutoField"
