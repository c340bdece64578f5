"""Periodic connection tests of the providers (Celery beat)."""

from celery import shared_task

from rag_app.providers.health import health_refresh


@shared_task(ignore_result=True, soft_time_limit=300, time_limit=330)
def provider_health_task() -> int:
    """Test every configured provider and store the results; returns how many were tested."""
    return len(health_refresh())
