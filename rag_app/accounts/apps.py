"""App config for accounts."""

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """API tokens (and whatever else belongs to a person's account)."""

    name = "rag_app.accounts"
    label = "accounts"
    default_auto_field = "django.db.models.BigAutoField"
