"""App config for the provider layer: settings per role in the database, health, call log."""

from django.apps import AppConfig


class ProvidersConfig(AppConfig):
    """Model providers."""

    name = "rag_app.providers"
    label = "providers"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.core.signals import setting_changed
        from django.db.models.signals import post_delete, post_save

        from rag_app.providers import config
        from rag_app.providers.models import ProviderSetting

        config.check_environment()

        def changed(**_: object) -> None:  # an admin row saved or deleted; override_settings in tests
            config.invalidate()

        post_save.connect(changed, sender=ProviderSetting, weak=False)
        post_delete.connect(changed, sender=ProviderSetting, weak=False)
        setting_changed.connect(changed, weak=False)
