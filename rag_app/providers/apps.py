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

        from rag_app.providers import config, fingerprint
        from rag_app.providers.models import ProviderSetting

        def provider_setting_changed(**_: object) -> None:
            config.invalidate()

        def django_setting_changed(**_: object) -> None:  # override_settings, in tests and scripts
            config.invalidate()
            fingerprint.forget()

        post_save.connect(provider_setting_changed, sender=ProviderSetting, weak=False)
        post_delete.connect(provider_setting_changed, sender=ProviderSetting, weak=False)
        setting_changed.connect(django_setting_changed, weak=False)
