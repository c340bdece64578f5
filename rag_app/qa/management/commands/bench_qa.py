"""manage.py bench_qa: the same questions through the running app and straight to the chat server, per concurrency."""

from __future__ import annotations

import contextlib
import itertools
import json
import random
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from rest_framework.authtoken.models import Token
from tqdm import tqdm

from rag_app.providers import registry
from rag_app.providers.bench import calls
from rag_app.providers.bench.metrics import RequestResult, percentile, summarize
from rag_app.providers.bench.runner import run_concurrently
from rag_app.providers.config import role_config
from rag_app.qa import bench, corpus, evaluation
from rag_app.qa.models import Answer

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

    def handle(self, *args: Any, **options: Any) -> None:
        levels = _levels(options["concurrency"])
        try:
            golden = evaluation.parse_golden(Path(options["questions"]).read_text(encoding="utf-8").splitlines())
        except (OSError, ValueError) as exc:
            raise CommandError(f"{options['questions']}: {exc}") from exc
        questions = [q.question for q in golden if not q.off_topic]
        if not questions:
            raise CommandError(f"{options['questions']}: no on-topic questions.")
        random.Random(options["seed"]).shuffle(questions)
        endpoint = role_config("chat").primary
        if endpoint is None or endpoint.kind == "local":
            raise CommandError("The chat provider is the in-process local model: set LLM_PROVIDER=vllm (or ollama).")
        self.direct = registry.build("chat", endpoint)
        app_url = options["app_url"].rstrip("/")
        _check_app(app_url)
        self.stderr.write(f"ingesting {options['corpus']} for a throwaway asker ...")
        with corpus.throwaway_owner(Path(options["corpus"]), prefix="bench", own_collection=False) as owner:
            token = Token.objects.create(user=owner)
            with httpx.Client(
                base_url=app_url,
                headers={"Authorization": f"Token {token.key}", "Accept": "text/event-stream"},
                timeout=httpx.Timeout(settings.ANSWER_TIMEOUT + 30, connect=10),
                limits=httpx.Limits(max_connections=max(levels) + 4, max_keepalive_connections=max(levels) + 4),
            ) as client:
                self.client = client
                self.prompts = self._warm_up(questions, endpoint.model)
                rows = [self._level(level, questions, options["requests"]) for level in levels]
        report = {"app_url": app_url, "provider": endpoint.kind, "model": endpoint.model, "levels": rows}
        self._print(report)
        if options["json_out"]:
            Path(options["json_out"]).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")

    def _warm_up(self, questions: list[str], model: str) -> dict[str, bench.SentPrompt]:
        """Ask every question once (not measured); the prompts the app built are what the direct path sends."""
        asked = self._ask_all(questions, min(8, len(questions)), "warm-up")
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

    def _ask_all(self, questions: list[str], level: int, label: str) -> list[tuple[bench.Asked, Answer | None]]:
        """Ask through the app at a concurrency; each client-side record with the answer the app stored."""
        asked: dict[int, bench.Asked] = {}

        def call(item: tuple[int, str]) -> RequestResult:
            asked[item[0]] = bench.ask(self.client, item[1])
            return asked[item[0]].result

        with _progress(len(questions), label) as tick:
            results, self.wall = run_concurrently(call, list(enumerate(questions)), level, progress=tick)
        ordered = [asked.get(i, bench.Asked(result)) for i, result in enumerate(results)]
        answers = Answer.objects.in_bulk([one.answer_id for one in ordered if one.answer_id])
        return [(one, answers.get(one.answer_id) if one.answer_id else None) for one in ordered]

    def _level(self, level: int, questions: list[str], requests: int) -> dict[str, Any]:
        count = requests or max(16, 2 * level)
        picked = list(itertools.islice(itertools.cycle(questions), count))
        asked = self._ask_all(picked, level, f"app    x{level}")
        app_wall = self.wall
        added = [s for one, answer in asked if answer is not None and (s := bench.complete(one, answer)) is not None]
        app = summarize([one.result for one, _ in asked], app_wall)
        with _progress(count, f"direct x{level}") as tick:
            direct_results, direct_wall = run_concurrently(
                lambda q: calls.timed_chat(self.direct, self.prompts[q], max_tokens=settings.ANSWER_MAX_TOKENS),
                picked,
                level,
                progress=tick,
            )
        direct = summarize(direct_results, direct_wall)
        return {
            "concurrency": level,
            "requests": count,
            "app": app,
            "direct": direct,
            "throughput_ratio_tokens": _ratio(app["output_tokens_per_s"], direct["output_tokens_per_s"]),
            "throughput_ratio_requests": _ratio(app["requests_per_s"], direct["requests_per_s"]),
            "app_added_p50_ms": _ms(percentile(added, 50)),
            "app_added_p95_ms": _ms(percentile(added, 95)),
            "errors": {
                "app": sorted({one.result.error for one, _ in asked if not one.result.ok}),
                "direct": sorted({r.error for r in direct_results if not r.ok}),
            },
        }

    def _print(self, report: dict[str, Any]) -> None:
        self.stdout.write(f"{report['provider']} {report['model']} at {report['app_url']}")
        self.stdout.write(
            "  conc  reqs  tok/s app  tok/s direct  ratio  req/s ratio  added p50 ms  added p95 ms"
            "  TTFT p50 app  TTFT p50 direct  e2e p50 app  e2e p50 direct  errors app/direct"
        )
        for row in report["levels"]:
            app, direct = row["app"], row["direct"]
            self.stdout.write(
                f"{row['concurrency']:>6}  {row['requests']:>4}  {_f(app['output_tokens_per_s'], 9)}"
                f"  {_f(direct['output_tokens_per_s'], 12)}  {_f(row['throughput_ratio_tokens'], 5, 3)}"
                f"  {_f(row['throughput_ratio_requests'], 11, 3)}  {_f(row['app_added_p50_ms'], 12)}"
                f"  {_f(row['app_added_p95_ms'], 12)}  {_f(app['ttft_p50_ms'], 12)}  {_f(direct['ttft_p50_ms'], 15)}"
                f"  {_f(app['e2e_p50_ms'], 11)}  {_f(direct['e2e_p50_ms'], 14)}"
                f"  {app['errors']:>8}/{direct['errors']}"
            )
        for row in report["levels"]:
            for path, errors in row["errors"].items():
                for error in errors:
                    self.stdout.write(f"  x{row['concurrency']} {path} error: {error}")


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


def _ratio(a: float | int | None, b: float | int | None) -> float | None:
    return None if a is None or not b else round(a / b, 4)


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 1)


def _f(value: float | int | None, width: int, digits: int = 1) -> str:
    return f"{'-':>{width}}" if value is None else f"{value:>{width}.{digits}f}"
