"""Benchmark chat and embedding providers at a sweep of concurrency levels (see rag_app/evals/bench)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from rag_app.evals.bench import cli


class Command(BaseCommand):
    """`manage.py benchmark_providers --providers vllm,local --concurrency 1,4,16 --compare local:vllm --out DIR`."""

    help = "Measure TTFT, ITL, TPOT, latency percentiles and throughput of each provider, as vLLM measures itself."

    def add_arguments(self, parser: CommandParser) -> None:
        cli.add_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        cli.execute(options, self.stdout)
