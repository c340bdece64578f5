"""App config for notes."""

from django.apps import AppConfig


class NotesConfig(AppConfig):
    """User notes."""

    name = "notes"
    default_auto_field = "django.db.models.BigAutoField"
