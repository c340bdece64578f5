"""manage.py bench_verify: how many planted errors the verifier flags, and its time per answer (p50/p95)."""

from __future__ import annotations

import os
import statistics
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from rag_app.evals import planted
from rag_app.providers import registry
from rag_app.qa.verification.passages import Embed
from rag_app.qa.verification.verifier import Thresholds, verify
from rag_app.qa.verify_answer import thresholds


class Command(BaseCommand):
    """Run the planted-error fixture through the verifier; time whole answers (4 sentences, a document's passages)."""

    help = (
        "Flagged share of planted wrong numbers, dates, amounts and names (target >= 0.95), false flags on the "
        "correct sentences, and verification ms per answer (p50, p95) with the load average."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--embeddings", action="store_true", help="also use the configured embedder")
        parser.add_argument("--repeat", type=int, default=20, help="timing rounds over the fixture's answers")

    def handle(self, *args: Any, **options: Any) -> None:
        cases = planted.load()
        embed = registry.embedder().embed if options["embeddings"] else None  # no owner: no index to check
        limits: Thresholds = thresholds()
        flagged = [not _supported(c.planted, c.passages, embed, limits) for c in cases]
        false_flags = [not _supported(c.correct, c.passages, embed, limits) for c in cases]
        for case, hit in zip(cases, flagged, strict=True):
            if not hit:
                self.stdout.write(f"  missed ({case.kind}): {case.planted}")
        for case, miss in zip(cases, false_flags, strict=True):
            if miss:
                self.stdout.write(f"  false flag: {case.correct}")
        answers = _answers(cases)
        timings, cpu = [], []
        for _ in range(options["repeat"]):
            for text, passages in answers:
                started, started_cpu = time.perf_counter(), time.process_time()
                verify(text, passages, embed=embed, thresholds=limits)
                timings.append((time.perf_counter() - started) * 1000)
                cpu.append((time.process_time() - started_cpu) * 1000)
        p95 = statistics.quantiles(timings, n=20)[18]
        load = " ".join(f"{x:.2f}" for x in os.getloadavg())
        self.stdout.write(
            f"planted errors {len(cases)}: flagged {sum(flagged) / len(cases):.3f} (target >= 0.95); "
            f"false flags on the correct sentences {sum(false_flags) / len(cases):.3f}"
        )
        by_kind = {k: [f for c, f in zip(cases, flagged, strict=True) if c.kind == k] for k in {c.kind for c in cases}}
        self.stdout.write("flagged by kind: " + ", ".join(f"{k} {sum(v)}/{len(v)}" for k, v in sorted(by_kind.items())))
        self.stdout.write(
            f"verification per answer ({len(answers)} answers x {options['repeat']}, embedder "
            f"{'on' if embed else 'off'}): p50 {statistics.median(timings):.1f} ms, p95 {p95:.1f} ms "
            f"(target <= 30 ms); load average {load}"
        )
        # On a shared machine the wall clock includes waiting for a core; CPU time is the verifier's own.
        self.stdout.write(
            f"CPU time per answer: p50 {statistics.median(cpu):.1f} ms, "
            f"p95 {statistics.quantiles(cpu, n=20)[18]:.1f} ms"
        )


def _supported(text: str, passages: tuple[planted.Passage, ...], embed: Embed | None, limits: Thresholds) -> bool:
    return verify(text, passages, embed=embed, thresholds=limits).sentences[0].supported


def _answers(cases: list[planted.Planted]) -> list[tuple[str, tuple[planted.Passage, ...]]]:
    """Answers of four sentences (correct and planted mixed) over each document's passages."""
    by_source: dict[str, list[planted.Planted]] = {}
    for c in cases:
        by_source.setdefault(c.source, []).append(c)
    answers = []
    for group in by_source.values():
        for start in range(0, len(group) - 3, 2):
            four = group[start : start + 4]
            text = " ".join(c.correct if i % 2 else c.planted for i, c in enumerate(four))
            answers.append((text, group[0].passages))
    return answers
