"""App config for benchmarks and evaluation (commands eval_qa, bench_qa, bench_ingest, benchmark_providers)."""

from django.apps import AppConfig


class EvalsConfig(AppConfig):
    """Benchmarks and evaluation."""

    name = "rag_app.evals"
    label = "evals"
    default_auto_field = "django.db.models.BigAutoField"
