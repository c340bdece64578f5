"""App config for the search index (its commands live here: reconcile_index, rebuild_index; generations)."""

from django.apps import AppConfig


class IndexConfig(AppConfig):
    """The search index."""

    name = "rag_app.index"
    label = "index"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.core.signals import setting_changed

        from rag_app import leases
        from rag_app.index import fingerprint, generations
        from rag_app.index.lifecycle import generations_reap

        def django_setting_changed(**_: object) -> None:  # override_settings: another collection or embedder
            fingerprint.forget()
            generations.invalidate()

        setting_changed.connect(django_setting_changed, weak=False)
        leases.register("generations", generations_reap)
