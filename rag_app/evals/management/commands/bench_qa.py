"""manage.py bench_qa: the same questions through the running app and straight to the chat server, per concurrency."""

from __future__ import annotations

import contextlib
import itertools
import json
import logging
import os
import random
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from rag_app.accounts.services import token_create
from rag_app.evals import corpus, evaluation
from rag_app.evals import qa_bench as bench
from rag_app.evals.bench import calls, cpu
from rag_app.evals.bench import report as report_files
from rag_app.evals.bench.metrics import RequestResult, percentile, summarize
from rag_app.evals.bench.runner import run_concurrently
from rag_app.evals.bench.server_load import LoadSampler
from rag_app.providers import registry
from rag_app.providers.config import role_config
from rag_app.qa.models import Answer
from rag_app.qa.verification.loop_guard import LoopGuard

GOLDEN = Path(__file__).resolve().parents[2] / "golden"


class Command(BaseCommand):
    """Measure what the app adds to answering: throughput ratio app/direct, app-added latency, TTFT, errors."""

    help = (
        "Ask the on-topic golden questions through a running app (POST /api/ask/, streamed) and send the very "
        "prompts it built straight to its chat server, at each concurrency. Run it with the app's settings "
        "(scripts/bench-qa starts such an app). The golden corpus is ingested for a throwaway user and removed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--app-url", default="http://127.0.0.1:8000", help="the running app")
        parser.add_argument("--concurrency", default="1,4,16,64", help="comma-separated levels")
        parser.add_argument(
            "--requests", type=int, default=0, help="questions per level and path (default: 2 x level, at least 16)"
        )
        parser.add_argument("--questions", default=str(GOLDEN / "golden.jsonl"), help="golden JSONL file")
        parser.add_argument("--corpus", default=str(GOLDEN / "corpus"), help="folder ingested for the asker")
        parser.add_argument("--seed", type=int, default=1, help="order of the questions")
        parser.add_argument("--json", dest="json_out", help="also write every figure here")
        parser.add_argument(
            "--direct-sampling",
            choices=("app", "defaults"),
            default="app",
            help="app: the direct path sends the repetition controls the app's answers used and stops where the "
            "app's loop guard would (like with like); defaults: the server's defaults, to max_tokens",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        levels = _levels(options["concurrency"])
        logging.getLogger("httpx").setLevel(logging.WARNING)  # a line per request would bury the progress bars
        try:
            questions = evaluation.on_topic_questions(Path(options["questions"]))
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        random.Random(options["seed"]).shuffle(questions)
        endpoint = role_config("chat").primary
        if endpoint is None or endpoint.kind == "local":
            raise CommandError("The chat provider is the in-process local model: set LLM_PROVIDER=vllm (or ollama).")
        self.direct = registry.build("chat", endpoint)
        self.same_sampling = options["direct_sampling"] == "app"
        app_url = options["app_url"].rstrip("/")
        _check_app(app_url)
        self.stderr.write(f"ingesting {options['corpus']} for a throwaway asker ...")
        with corpus.throwaway_owner(Path(options["corpus"]), prefix="bench", own_collection=False) as owner:
            _, secret = token_create(owner=owner, name="bench_qa")
            with httpx.Client(
                base_url=app_url,
                headers={"Authorization": f"Bearer {secret}", "Accept": "text/event-stream"},
                timeout=httpx.Timeout(settings.ANSWER_TIMEOUT + 30, connect=10),
                limits=httpx.Limits(max_connections=max(levels) + 4, max_keepalive_connections=max(levels) + 4),
            ) as client:
                self.client = client
                self.prompts = self._warm_up(questions, endpoint.model)
                rows = [self._level(level, questions, options["requests"]) for level in levels]
        report = {
            "app_url": app_url,
            "provider": endpoint.kind,
            "model": endpoint.model,
            "direct_sampling": options["direct_sampling"],
            "levels": rows,
        }
        self._print(report)
        if options["json_out"]:
            Path(options["json_out"]).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")

    def _warm_up(self, questions: list[str], model: str) -> dict[str, bench.SentPrompt]:
        """Ask every question once (not measured); the prompts the app built are what the direct path sends."""
        asked, _ = self._ask_all(questions, min(8, len(questions)), "warm-up")
        prompts: dict[str, bench.SentPrompt] = {}
        for question, (one, answer) in zip(questions, asked, strict=True):
            if answer is None or not one.result.ok:
                raise CommandError(f"The app could not answer {question!r}: {one.result.error or 'no answer id'}")
            if answer.model != model:
                raise CommandError(
                    f"The app answered with {answer.provider}/{answer.model}, this command would compare with "
                    f"{model}: run both with the same settings."
                )
            prompts[question] = bench.SentPrompt(answer)
        return prompts

    def _ask_all(
        self, questions: list[str], level: int, label: str
    ) -> tuple[list[tuple[bench.Asked, Answer | None]], float]:
        """Ask through the app at a concurrency: each client-side record with the answer the app stored; wall s."""
        asked: dict[int, bench.Asked] = {}

        def call(item: tuple[int, str]) -> RequestResult:
            asked[item[0]] = bench.ask(self.client, item[1])
            return asked[item[0]].result

        with _progress(len(questions), label) as tick:
            results, wall = run_concurrently(call, list(enumerate(questions)), level, progress=tick)
        ordered = [asked.get(i, bench.Asked(result)) for i, result in enumerate(results)]
        answers = Answer.objects.in_bulk([one.answer_id for one in ordered if one.answer_id])
        return [(one, answers.get(one.answer_id) if one.answer_id else None) for one in ordered], wall

    def _level(self, level: int, questions: list[str], requests: int) -> dict[str, Any]:
        count = requests or max(16, 2 * level)
        picked = list(itertools.islice(itertools.cycle(questions), count))
        with self._load() as app_load, self._cpu() as app_cpu:
            asked, app_wall = self._ask_all(picked, level, f"app    x{level}")
        overheads = [o for one, answer in asked if answer is not None and (o := bench.complete(one, answer))]
        app = summarize([one.result for one, _ in asked], app_wall) | app_load.summary() | _cpu_figures(app_cpu, count)
        with _progress(count, f"direct x{level}") as tick, self._load() as direct_load, self._cpu() as direct_cpu:
            direct_results, direct_wall = run_concurrently(
                lambda q: calls.timed_chat(
                    self.direct,
                    self.prompts[q],
                    max_tokens=settings.ANSWER_MAX_TOKENS,
                    repetition=self.prompts[q].repetition() if self.same_sampling else None,
                    stop=LoopGuard().feed if self.same_sampling and settings.ANSWER_LOOP_GUARD else None,
                ),
                picked,
                level,
                progress=tick,
            )
        direct = summarize(direct_results, direct_wall) | direct_load.summary() | _cpu_figures(direct_cpu, count)
        return {
            "concurrency": level,
            "requests": count,
            "app": app,
            "direct": direct,
            "throughput_ratio_tokens": _ratio(app["output_tokens_per_s"], direct["output_tokens_per_s"]),
            "throughput_ratio_requests": _ratio(app["requests_per_s"], direct["requests_per_s"]),
            **_overhead("app_added", [o.added for o in overheads]),
            **_overhead("plumbing", [o.plumbing for o in overheads]),
            **_overhead("queue", [o.queue for o in overheads]),
            **_overhead("retrieval", [o.retrieval for o in overheads]),
            "errors": {
                "app": sorted({one.result.error for one, _ in asked if not one.result.ok}),
                "direct": sorted({r.error for r in direct_results if not r.ok}),
            },
        }

    def _cpu(self) -> cpu.CpuMeter:
        """Count the CPU of the app's stack and the chat and embedding servers (process trees, BENCH_*_PID)."""
        return cpu.CpuMeter({name: _env_int(f"BENCH_{name.upper()}_PID") for name in ("stack", "chat", "embed")})

    def _load(self) -> LoadSampler:
        """Watch the chat server's own count of requests in flight (a vLLM server says it; others do not)."""
        endpoint = self.direct.endpoint
        return LoadSampler(endpoint.base_url, enabled=endpoint.kind == "vllm")

    def _print(self, report: dict[str, Any]) -> None:
        self.stdout.write(
            f"{report['provider']} {report['model']} through {report['app_url']} vs direct "
            f"(direct sampling: {report['direct_sampling']})"
        )
        rows = [_flat(row) for row in report["levels"]]
        for title, columns in TABLES:
            self.stdout.write(f"\n{title}\n\n")
            self.stdout.write("\n".join(report_files.table(rows, columns)))
        for row in report["levels"]:
            for path, errors in row["errors"].items():
                for error in errors:
                    self.stdout.write(f"x{row['concurrency']} {path} error: {error}")


def _env_int(name: str) -> int | None:
    value = os.environ.get(name, "")
    return int(value) if value.isdigit() else None


def _cpu_figures(meter: cpu.CpuMeter, answers: int) -> dict[str, float]:
    """The meter's CPU seconds, each group's per answer, and the load average when the path ended."""
    figures: dict[str, float] = meter.summary() | {"load_1m": round(os.getloadavg()[0], 2)}
    for name in ("stack", "chat", "embed", "bench", "machine"):
        if f"cpu_{name}_s" in figures:
            figures[f"cpu_{name}_ms_per_answer"] = round(figures[f"cpu_{name}_s"] * 1000 / max(1, answers), 1)
    return figures


def _flat(level: dict[str, Any]) -> dict[str, Any]:
    """A level's figures in one dict: the app's and the direct path's under app_ and direct_ prefixes."""
    return level | {f"{side}_{key}": value for side in ("app", "direct") for key, value in level[side].items()}


TABLES = [
    (
        "Throughput (output tokens/s; requests/s) and errors:",
        [
            ("concurrency", "concurrency"),
            ("requests", "requests"),
            ("app_output_tokens_per_s", "app tok/s"),
            ("direct_output_tokens_per_s", "direct tok/s"),
            ("throughput_ratio_tokens", "ratio tok/s"),
            ("throughput_ratio_requests", "ratio req/s"),
            ("app_server_running_peak", "server running app (peak)"),
            ("direct_server_running_peak", "direct (peak)"),
            ("app_errors", "app errors"),
            ("direct_errors", "direct errors"),
            ("app_load_1m", "load app"),
            ("direct_load_1m", "load direct"),
        ],
    ),
    (
        "CPU ms per answer (app = the stack scripts/bench-qa started; chat, embed = the vLLM servers; bench = "
        "this client; machine = every core busy, all processes) and busy cores on average:",
        [
            ("concurrency", "concurrency"),
            ("app_cpu_stack_ms_per_answer", "app stack"),
            ("app_cpu_chat_ms_per_answer", "chat (app)"),
            ("direct_cpu_chat_ms_per_answer", "chat (direct)"),
            ("app_cpu_embed_ms_per_answer", "embed (app)"),
            ("app_cpu_bench_ms_per_answer", "client (app)"),
            ("direct_cpu_bench_ms_per_answer", "client (direct)"),
            ("app_cpu_machine_ms_per_answer", "machine (app)"),
            ("direct_cpu_machine_ms_per_answer", "machine (direct)"),
            ("app_cpu_machine_cores", "busy cores app"),
            ("direct_cpu_machine_cores", "busy cores direct"),
        ],
    ),
    (
        "Latency in ms, p50 unless marked: added = the asker's wait minus generation; "
        "plumbing = added minus retrieval:",
        [
            ("concurrency", "concurrency"),
            ("app_added_p50_ms", "added p50"),
            ("app_added_p95_ms", "added p95"),
            ("plumbing_p50_ms", "plumbing p50"),
            ("plumbing_p95_ms", "plumbing p95"),
            ("queue_p50_ms", "queue p50"),
            ("retrieval_p50_ms", "retrieval p50"),
            ("app_ttft_p50_ms", "TTFT app"),
            ("direct_ttft_p50_ms", "TTFT direct"),
            ("app_e2e_p50_ms", "e2e app"),
            ("direct_e2e_p50_ms", "e2e direct"),
        ],
    ),
]


@contextlib.contextmanager
def _progress(total: int, label: str) -> Iterator[Callable[[], None]]:
    """A progress bar on stderr, and the function that moves it on by one."""
    with tqdm(total=total, desc=label, file=sys.stderr, leave=False) as bar:

        def tick() -> None:
            bar.update()

        yield tick


def _levels(text: str) -> list[int]:
    try:
        levels = [int(part) for part in text.split(",") if part.strip()]
    except ValueError as exc:
        raise CommandError(f"--concurrency: {text!r} is not a comma-separated list of numbers.") from exc
    if not levels or min(levels) < 1:
        raise CommandError("--concurrency: give levels of at least 1, e.g. 1,4,16,64.")
    return levels


def _check_app(url: str) -> None:
    try:
        httpx.get(f"{url}/api/health/", timeout=10).raise_for_status()
    except httpx.HTTPError as exc:
        raise CommandError(f"No app answers at {url} ({exc}): start one with scripts/bench-qa or scripts/run.") from exc


def _overhead(name: str, seconds: list[float]) -> dict[str, float | None]:
    return {f"{name}_p50_ms": _ms(percentile(seconds, 50)), f"{name}_p95_ms": _ms(percentile(seconds, 95))}


def _ratio(a: float | int | None, b: float | int | None) -> float | None:
    return None if a is None or not b else round(a / b, 4)


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 1)
