"""App config for process health (probes and worker heartbeats)."""

from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Liveness, readiness and worker heartbeats."""

    name = "rag_app.ops"
    label = "ops"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from rag_app.ops import heartbeat

        heartbeat.connect()
