"""The options of `manage.py benchmark_providers` (and tests/benchmark_vllm_vs_ollama.py) and what they run."""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError

from rag_app.evals.bench import compare, questions, report, sweep
from rag_app.providers.base import ProviderError
from rag_app.providers.kinds import KINDS

BENCH_ROLES = ("chat", "embeddings")


def _names(allowed: tuple[str, ...], what: str) -> Callable[[str], list[str]]:
    def parse(value: str) -> list[str]:
        names = [n.strip() for n in value.split(",") if n.strip()]
        unknown = [n for n in names if n not in allowed]
        if not names or unknown:
            given = ", ".join(unknown) or repr(value)
            raise argparse.ArgumentTypeError(f"unknown {what} {given}; choose from {', '.join(allowed)}")
        return list(dict.fromkeys(names))

    return parse


def _levels(value: str) -> list[int]:
    try:
        levels = [int(n) for n in value.split(",")]
    except ValueError:
        levels = []
    if not levels or min(levels) < 1:
        raise argparse.ArgumentTypeError(f"expected positive integers separated by commas, like 1,4,16, not {value!r}")
    return sorted(set(levels))


def _existing_file(value: str) -> Path:
    path = Path(value)
    if not path.is_file():
        raise argparse.ArgumentTypeError(f"no such file: {value}")
    return path


def _pair(value: str) -> tuple[str, str]:
    baseline, _, candidate = value.partition(":")
    if baseline not in KINDS or candidate not in KINDS or baseline == candidate:
        raise argparse.ArgumentTypeError(
            f"expected BASELINE:CANDIDATE of two of {tuple(KINDS)}, like local:vllm, not {value!r}"
        )
    return baseline, candidate


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The benchmark's options, shared by the management command and the script."""
    add = parser.add_argument
    add("--providers", type=_names(tuple(KINDS), "provider"), default=["vllm", "local"], help="default: vllm,local")
    add("--roles", type=_names(BENCH_ROLES, "role"), default=list(BENCH_ROLES), help="default: chat,embeddings")
    add("--concurrency", type=_levels, default=[1, 4, 16, 64], help="requests in flight, default: 1,4,16,64")
    add("--questions", type=int, default=None, help="how many (default 100; with --question-file, all of it)")
    add("--question-file", type=_existing_file, help=".jsonl of {question, context?} or .txt, one per line")
    add("--max-tokens", type=int, default=128, help="output tokens per answer (default 128)")
    add("--embed-inputs", type=int, default=256, help="texts to embed per concurrency level (default 256)")
    add("--batch-size", type=int, default=32, help="texts per request in batched embedding mode (default 32)")
    add("--warmup", type=int, default=2, help="untimed requests per provider and role first (default 2)")
    add("--seed", type=int, default=42, help="orders questions and picks their passages (default 42)")
    add("--compare", type=_pair, help="BASELINE:CANDIDATE, e.g. local:vllm or ollama:vllm")
    add("--out", type=Path, default=Path("var/benchmark_providers"), help="folder for JSON, Markdown and PNGs")
    add("--from-json", type=_existing_file, help="re-report (and --compare) an earlier results.json, run nothing")
    add("--no-progress", action="store_true", help="no progress bars")
    add(
        "--layer",
        action="store_true",
        help="go through the app's whole provider layer (in-flight cap, breaker, retries, call log), not the bare SDK",
    )


def _machine() -> dict[str, Any]:
    memory = ""
    if Path("/proc/meminfo").exists():
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f"{kib / 1024 / 1024:.0f} GiB"
    return {
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "memory": memory,
        "python": platform.python_version(),
    }


def _run(options: dict[str, Any]) -> dict[str, Any]:
    if options["questions"] is not None and options["questions"] < 1:
        raise CommandError("--questions must be at least 1")
    if min(options["max_tokens"], options["embed_inputs"], options["batch_size"]) < 1 or options["warmup"] < 0:
        raise CommandError("--max-tokens, --embed-inputs and --batch-size must be at least 1, --warmup at least 0")
    seed, path, count = options["seed"], options["question_file"], options["questions"]
    try:
        asked = questions.from_file(path, count, seed) if path else questions.builtin(count or 100, seed)
    except (ValueError, OSError) as exc:
        raise CommandError(str(exc)) from exc

    def asked_at(level: int) -> list[questions.Question]:
        level_seed = seed * 1000 + level
        return questions.from_file(path, count, level_seed) if path else questions.builtin(count or 100, level_seed)

    plan = sweep.Plan(
        providers=options["providers"],
        roles=options["roles"],
        concurrency=options["concurrency"],
        questions=asked_at,
        embed_texts=questions.embedding_inputs(options["embed_inputs"], seed),
        max_tokens=options["max_tokens"],
        warmup=options["warmup"],
        batch_size=options["batch_size"],
        progress=not options["no_progress"],
        layer=options["layer"],
    )
    started = time.time()
    try:
        rows = sweep.run(plan)
    except ProviderError as exc:
        raise CommandError(str(exc)) from exc
    meta = {
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(started)),
        "duration_s": round(time.time() - started, 1),
        "machine": _machine(),
        **{key: options[key] for key in ("providers", "roles", "concurrency", "max_tokens", "seed", "warmup", "layer")},
        **{key: options[key] for key in ("embed_inputs", "batch_size")},
        "questions": len(asked),
        "question_file": str(options["question_file"] or "built-in (golden corpus)"),
        "temperature": 0.0,
    }
    return {"meta": meta, "results": rows}


def execute(options: dict[str, Any], stdout: io.TextIOBase) -> dict[str, Any]:
    """Run (or reload) the benchmark, add the comparison, write every file and print the table."""
    if options["compare"] and not options["from_json"] and not set(options["compare"]) <= set(options["providers"]):
        raise CommandError(f"--compare {':'.join(options['compare'])} needs both in --providers")
    if options["from_json"]:
        result: dict[str, Any] = json.loads(options["from_json"].read_text())
    else:
        result = _run(options)
    if options["compare"]:
        baseline, candidate = options["compare"]
        ran = {row["provider"] for row in result["results"]}
        if not {baseline, candidate} <= ran:
            raise CommandError(f"--compare {baseline}:{candidate} needs both in the results, which have {sorted(ran)}")
        result["comparisons"] = compare.compare(result["results"], baseline, candidate)
    written = report.write(options["out"], result)
    stdout.write(report.markdown(result) + "\n")
    stdout.write("Wrote " + ", ".join(str(p) for p in written) + "\n")
    return result
