"""The app's own Prometheus metrics: defined once here, recorded by each floor, exposed with Django's and the DB's.

Counters and histograms are recorded where the work happens (ingestion, answers, provider calls, Celery
tasks); in a deployment with PROMETHEUS_MULTIPROC_DIR set, every process (gunicorn workers, Celery
workers) writes them to files there and one scrape of the web's /metrics adds them up. Figures that the
database, the broker or Chroma already hold (documents by status, queue lengths, vectors) are read at
scrape time by collectors the apps register with `on_scrape`, never kept in a process.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from django.conf import settings
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
    start_http_server,
)
from prometheus_client.core import REGISTRY, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

log = logging.getLogger(__name__)

CONTENT_TYPE = CONTENT_TYPE_LATEST
SECONDS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900)

INGEST_STAGE_SECONDS = Histogram(
    "rag_ingest_stage_seconds", "Time spent in each ingestion stage of a document.", ["stage"], buckets=SECONDS
)
INGESTED = Counter("rag_ingest_documents", "Documents whose ingestion finished, by outcome.", ["outcome"])
CHUNKS_INDEXED = Counter("rag_chunks_indexed", "Passages embedded and written to the index, by source.", ["source"])
ANSWERS = Counter(
    "rag_answers",
    "Answers finished, by status and path (Answer.checks: the verification path; a failure: model or retrieval).",
    ["status", "path"],
)
FIRST_TOKEN_SECONDS = Histogram(
    "rag_chat_first_token_seconds", "From the chat request to its first token.", ["provider", "model"], buckets=SECONDS
)
GENERATION_SECONDS = Histogram(
    "rag_chat_generation_seconds", "From the chat request to its last token.", ["provider", "model"], buckets=SECONDS
)
PROVIDER_CALLS = Counter(
    "rag_provider_calls",
    "Calls to model servers, by role, provider, model and outcome (ok, error).",
    ["role", "provider", "model", "outcome"],
)
PROVIDER_CALL_SECONDS = Histogram(
    "rag_provider_call_seconds", "Duration of calls to model servers.", ["role", "provider"], buckets=SECONDS
)
BREAKER_STATE = Gauge(
    "rag_circuit_breaker_state",
    "Circuit breaker per model server: 0 closed, 1 half-open, 2 open (worst process).",
    ["provider", "model", "url"],
    multiprocess_mode="livemax",
)
TASKS = Counter("rag_celery_tasks", "Celery tasks finished, by task and outcome.", ["task", "outcome"])
TASK_SECONDS = Histogram("rag_celery_task_seconds", "Celery task run time.", ["task"], buckets=SECONDS)

BREAKER_VALUES = {"closed": 0, "half-open": 1, "open": 2}

# The series known in advance start at 0, so a rate or an alert sees the first event as a change.
for _stage in ("extracting", "chunking", "embedding", "storing"):  # documents.models.Document.Stage
    INGEST_STAGE_SECONDS.labels(_stage)
for _outcome in ("ready", "failed"):
    INGESTED.labels(_outcome)
for _source in ("document", "note"):
    CHUNKS_INDEXED.labels(_source)
# done: rag_app.qa.verify_answer's paths and the pipeline's two without verification; failed: where it stopped
_ANSWER_PATHS = {
    "done": ("generated", "quoted", "refused", "unverified", "no sources"),
    "failed": ("model", "retrieval"),
}
for _status, _paths in _ANSWER_PATHS.items():
    for _path in _paths:
        ANSWERS.labels(_status, _path)

Samples = Iterable[Metric]
_scrapers: dict[str, Callable[[], Samples]] = {}


def breaker_state(*, provider: str, model: str, url: str, state: str) -> None:
    """Record a circuit breaker's state after a call went through it."""
    BREAKER_STATE.labels(provider, model, url).set(BREAKER_VALUES.get(state, 0))


def answer_path(checks: Mapping[str, Any]) -> str:
    """An answer's path as its checks record it: the verification path; without one (it failed), where it stopped.

    A failure after retrieval found and fitted the passages (checks["retrieval"] is recorded then) is the
    chat model's ("model"); one before is the embedder's or Chroma's ("retrieval").
    """
    verification = checks.get("verification") or {}
    if verification.get("path"):
        return str(verification["path"])
    return "model" if "retrieval" in checks else "retrieval"


def answer_finished(*, status: str, checks: Mapping[str, Any]) -> str:
    """Count a finished answer under its status and the path its checks record; returns that path."""
    path = answer_path(checks)
    ANSWERS.labels(status, path).inc()
    return path


def on_scrape(name: str, collect: Callable[[], Samples]) -> None:
    """Register a function read at every scrape (an app's figures from its own tables); name labels its errors."""
    _scrapers[name] = collect


def gauge(name: str, documentation: str, label: str, values: Mapping[str, float]) -> GaugeMetricFamily:
    """A gauge family with one label, for scrape-time collectors."""
    family = GaugeMetricFamily(name, documentation, labels=[label])
    for key, value in sorted(values.items()):
        family.add_metric([key], value)
    return family


class _ScrapeCollector(Collector):
    """Runs every registered scrape function; one that fails is reported as down, the others still count."""

    def collect(self) -> Samples:
        up = GaugeMetricFamily("rag_scrape_collector_up", "Whether a scrape collector worked.", labels=["collector"])
        for name, collect in sorted(_scrapers.items()):
            try:
                yield from list(collect())
            except Exception as exc:  # noqa: BLE001 - a broken collector must not cost the scrape its other figures
                log.warning("metrics collector %s failed: %s", name, exc)
                up.add_metric([name], 0)
            else:
                up.add_metric([name], 1)
        yield up


def multiprocess_dir() -> Path | None:
    """The folder the processes share their figures in, when the deployment sets one."""
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    return Path(folder) if folder else None


def exposition() -> bytes:
    """Every figure in Prometheus' text format: this process (or all processes sharing the folder) + scrapes."""
    scrape = CollectorRegistry()  # no auto_describe: registering must not run the collectors
    scrape.register(_ScrapeCollector())
    if multiprocess_dir() is not None:
        shared = CollectorRegistry()
        multiprocess.MultiProcessCollector(shared)  # type: ignore[no-untyped-call]
        return generate_latest(shared) + generate_latest(scrape)
    return generate_latest(REGISTRY) + generate_latest(scrape)


def serve_process_metrics(port: int, addr: str = "0.0.0.0") -> tuple[Any, Any]:
    """Serve this host's process figures (no scrape-time ones) on their own port: a worker pod on Kubernetes.

    Unprotected, as Prometheus' own exporters are: the port is for the cluster's network, never a public one.
    Returns (server, thread).
    """
    registry: Collector = REGISTRY
    if multiprocess_dir() is not None:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    return start_http_server(port, addr=addr, registry=registry)


def queue_lengths() -> Samples:
    """Messages waiting in each of the app's Celery queues (Redis lists, or files of the file-system broker)."""
    queues = [settings.CELERY_TASK_DEFAULT_QUEUE, settings.CELERY_QA_QUEUE]
    broker = settings.CELERY_BROKER_URL
    lengths: dict[str, float] = {}
    if broker.startswith(("redis://", "rediss://")):
        import redis

        client = redis.Redis.from_url(broker, socket_timeout=2, socket_connect_timeout=2)
        try:
            for queue in queues:
                # kombu keeps priorities 3, 6 and 9 in lists of their own beside the queue's.
                keys = [queue, *(f"{queue}\x06\x16{p}" for p in (3, 6, 9))]
                lengths[queue] = float(sum(client.llen(key) for key in keys))
        finally:
            client.close()
    elif broker.startswith("filesystem"):
        folder = Path(str(settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("data_folder_in", "")))
        names = [p.name for p in folder.iterdir()] if folder.is_dir() else []
        for queue in queues:
            lengths[queue] = float(sum(1 for n in names if n.partition(".")[2] == f"{queue}.msg"))
    else:
        return []
    return [gauge("rag_celery_queue_length", "Messages waiting in a Celery queue.", "queue", lengths)]


def vector_counts() -> Samples:
    """Vectors held in each Chroma collection."""
    from rag_app import vectorstore

    return [gauge("rag_vectors", "Vectors in each Chroma collection.", "collection", vectorstore.counts())]


on_scrape("queues", queue_lengths)
on_scrape("vectors", vector_counts)
