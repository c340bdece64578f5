"""manage.py bench_load: many askers and a few uploads against a running app; 5xx, final states in time, latency."""

from __future__ import annotations

import json
import logging
import os
import time
from pathlib import Path
from typing import Any

import httpx
from django.conf import settings
from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError, CommandParser

from rag_app.accounts.services import token_create
from rag_app.evals import corpus, evaluation
from rag_app.evals.bench import load
from rag_app.evals.bench import load_http as driver
from rag_app.qa.models import Answer

GOLDEN = Path(__file__).resolve().parents[2] / "golden"
MODES = ("stream", "wait", "mixed")


class Command(BaseCommand):
    """Load the running app as its API clients do and report what they got and what became of every answer."""

    help = (
        "N askers ask the golden questions in a loop through a running app's API (each with its own token; "
        "streamed, waiting, or half and half) for --seconds, while --uploads documents are uploaded over the run. "
        "Reports status codes, 5xx, answers final before the client's timeout vs client timeouts, p50/p95 "
        "latency, uploads reaching ready and the load average. Run it with the app's settings (same database): "
        "the golden corpus is ingested for a throwaway user, removed afterwards."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--app-url", default="http://127.0.0.1:8000", help="the running app")
        parser.add_argument("--askers", type=int, default=32, help="questions in flight at once")
        parser.add_argument("--seconds", type=float, default=60.0, help="how long new questions are sent")
        parser.add_argument("--uploads", type=int, default=5, help="documents uploaded, spread over the run")
        parser.add_argument("--mode", choices=MODES, default="mixed", help="streamed, waiting, or half each")
        parser.add_argument(
            "--client-timeout",
            type=float,
            default=0.0,
            help="seconds a client waits for its answer (default: the app's ANSWER_TIMEOUT + 5)",
        )
        parser.add_argument("--drain", type=float, default=120.0, help="seconds to wait for rows to end after")
        parser.add_argument("--questions", default=str(GOLDEN / "golden.jsonl"), help="golden JSONL file")
        parser.add_argument("--corpus", default=str(GOLDEN / "corpus"), help="folder ingested for the askers")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--json", dest="json_out", help="also write the report here")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["askers"] < 1 or options["seconds"] <= 0 or options["uploads"] < 0:
            raise CommandError("--askers must be at least 1, --seconds positive and --uploads not negative.")
        logging.getLogger("httpx").setLevel(logging.WARNING)
        try:
            questions = evaluation.on_topic_questions(Path(options["questions"]))
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        timeout = options["client_timeout"] or settings.ANSWER_TIMEOUT + 5
        app_url = options["app_url"].rstrip("/")
        _check_app(app_url)
        askers = options["askers"]
        modes = [_mode(options["mode"], i) for i in range(askers)]
        plan = driver.Plan(
            askers, options["seconds"], options["uploads"], questions, timeout, modes, options["drain"], options["seed"]
        )
        self.stderr.write(f"ingesting {options['corpus']} for a throwaway asker ...")
        with corpus.throwaway_owner(Path(options["corpus"]), prefix="load", own_collection=False) as owner:
            report = self._run(plan, owner, app_url)
        for line in load.lines(report):
            self.stdout.write(line)
        if options["json_out"]:
            Path(options["json_out"]).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")

    def _run(self, plan: driver.Plan, owner: User, app_url: str) -> dict[str, Any]:
        clients = [_client(app_url, token_create(owner=owner, name=f"load-{i}")[1]) for i in range(plan.askers + 1)]
        try:
            start_load, started = os.getloadavg()[0], time.monotonic()
            self.stderr.write(
                f"{plan.askers} askers for {plan.seconds:g} s, {plan.uploads} uploads (load {start_load})"
            )
            done = 0

            def tick() -> None:
                nonlocal done
                done += 1
                if done % 10 == 0:
                    self.stderr.write(f"  {done} questions answered or ended, {time.monotonic() - started:.0f} s")

            driver.run(plan, clients[:-1], clients[-1], tick)
            end_load = os.getloadavg()[0]
        finally:
            for client in clients:
                client.close()
        rows = _server_rows(owner, plan.drain)
        report: dict[str, Any] = {
            "app_url": app_url,
            "askers": plan.askers,
            "seconds": plan.seconds,
            "client_timeout": plan.client_timeout,
            "wall_s": round(time.monotonic() - started, 1),
            "cpus": os.cpu_count(),
            "load_average": {"start": round(start_load, 2), "end": round(end_load, 2)},
            "asks": load.summarize_asks(plan.asks),
            "server": load.summarize_server(rows, plan.client_timeout),
            "uploads": load.summarize_uploads(plan.upload_outcomes),
        }
        report["verdict"] = load.verdict(report)
        return report


def _mode(mode: str, i: int) -> str:
    return mode if mode != "mixed" else ("stream" if i % 2 == 0 else "wait")


def _client(app_url: str, secret: str) -> httpx.Client:
    return httpx.Client(base_url=app_url, headers={"Authorization": f"Bearer {secret}"}, timeout=30)


def _server_rows(owner: User, drain: float) -> list[load.ServerAnswer]:
    """Every answer asked in the run, once all are final or the drain time is over."""
    give_up = time.monotonic() + drain
    busy = [s for s in Answer.Status if s not in (Answer.Status.DONE, Answer.Status.FAILED, Answer.Status.CANCELLED)]
    while Answer.objects.filter(owner=owner, status__in=busy).exists() and time.monotonic() < give_up:
        time.sleep(1.0)
    return [
        load.ServerAnswer(
            status=str(a.status),
            seconds=(a.finished_at - a.created_at).total_seconds() if a.finished_at else None,
            error=a.error[:90],
        )
        for a in Answer.objects.filter(owner=owner)
    ]


def _check_app(app_url: str) -> None:
    try:
        httpx.get(f"{app_url}/api/health/", timeout=10)
    except httpx.HTTPError as exc:
        raise CommandError(f"No app answers at {app_url}: {exc}") from exc
