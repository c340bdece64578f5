"""Fault injection (the `faults` tier): real workers SIGKILLed mid-work, the broker stopped and started again
empty, a chat server that accepts and never answers. Every item must end final with a reason within the bound,
its chunk ids equal to its vector ids, and no work done twice.

The workers and beat run with short leases (servers.FAST_RECOVERY); the figures are printed (run with -s)
and recorded in docs/benchmarks.md.
"""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from documents.models import Chunk, Document
from rag_app.celery import app
from rag_app.index import service as index
from rag_app.providers import registry
from rag_app.providers.base import Endpoint, Message
from rag_app.providers.config import RoleConfig
from rag_app.providers.local import CHAT_ENDPOINT
from rag_app.providers.models import ProviderCall, ProviderSetting
from rag_app.qa import ending, stream
from rag_app.qa.models import Answer
from tests.processes import ROOT, stop
from tests.qa.conftest import ready_document
from tests.resilience import servers

# `faults` selects them alone (-m faults); `stack` puts them in scripts/test's slow tier, with the Chroma server.
pytestmark = [pytest.mark.faults, pytest.mark.stack, pytest.mark.django_db(transaction=True)]

FINAL_DOCUMENT = ("ready", "failed")
FINAL_ANSWER = ("done", "failed", "cancelled")
OTTERS = "Otters hold hands while they sleep so that they do not drift apart."


@pytest.fixture
def redis_server(tmp_path: Path, settings) -> Iterator[servers.OwnRedis]:
    """A Redis of this test's own, as broker and event stream for the test process and its workers."""
    own = servers.OwnRedis(tmp_path)
    own.start()
    settings.REDIS_URL = own.url
    for name, value in servers.FAST_RECOVERY.items():  # the web side (this process) writes resend times too
        setattr(settings, name, float(value))
    real = app.conf.broker_url
    servers.use_broker(own.url)
    yield own
    servers.use_broker(real)
    own.stop()


@dataclass
class Fleet:
    """The workers and beat a test starts on its own Redis, kept to be stopped (and their logs kept) at its end."""

    tmp_path: Path
    broker: str
    started: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def worker(self, name: str, queue: str, **env: str) -> subprocess.Popen[bytes]:
        proc = servers.worker(self.tmp_path, name, queue, self.broker, **env)
        self.started.append(proc)
        return proc

    def recover(self, name: str, queue: str) -> subprocess.Popen[bytes]:
        """What the supervisor does after a fault: beat (and its reaper) runs, a fresh worker starts; that worker."""
        self.started.append(servers.beat(self.tmp_path, self.broker))
        return self.worker(name, queue)


@pytest.fixture
def fleet(tmp_path: Path, redis_server: servers.OwnRedis, request: pytest.FixtureRequest) -> Iterator[Fleet]:
    """The test's processes; all stopped at the end, their logs kept in test-output/faults/<test>/."""
    started = Fleet(tmp_path, redis_server.url)
    yield started
    kept = ROOT / "test-output" / "faults" / request.node.name
    kept.mkdir(parents=True, exist_ok=True)
    for proc in started.started:
        stop(proc)
        shutil.copy(servers.log_of(proc), kept)


def kill(proc: subprocess.Popen[bytes]) -> float:
    """SIGKILL the process, wait for it to be gone; when it was (time.monotonic())."""
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    return time.monotonic()


def text(n: int, paragraphs: int) -> bytes:
    return "\n\n".join(
        f"Document {n}, paragraph {i}: otters {i} swim and hold hands." for i in range(paragraphs)
    ).encode()


def upload(client, name: str, data: bytes) -> int:
    response = client.post("/api/documents/", {"file": SimpleUploadedFile(name, data)}, format="multipart")
    assert response.status_code == 201, response.content
    assert response["Content-Type"] == "application/json"
    return int(response.json()["id"])


def wait_final(ids: list[int], timeout: float) -> float:
    """Seconds until every document is ready or failed (fails the test past timeout)."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        statuses = dict(Document.objects.filter(pk__in=ids).values_list("pk", "status"))
        if all(statuses.get(i) in FINAL_DOCUMENT for i in ids):
            return time.monotonic() - started
        time.sleep(0.3)
    pytest.fail(f"not final after {timeout} s: {statuses}")


def ingested_after_recovery(fleet: Fleet, ids: list[int], fault: str) -> None:
    """Recover (beat, a fresh ingestion worker): every document ready and indexed once; prints how long it took."""
    recovered = time.monotonic()
    worker = fleet.recover("ingest", settings.CELERY_TASK_DEFAULT_QUEUE)
    wait_final(ids, timeout=180)
    total = time.monotonic() - recovered
    print(f"\n[faults] {fault}: {len(ids)} documents final {total:.1f} s after the broker was back")
    assert_indexed_once(ids, [servers.log_of(worker)])


def assert_indexed_once(ids: list[int], logs: list[Path]) -> None:
    """Every document ready, its chunk ids its vector ids, and ingested to the end exactly once."""
    finished = [int(m) for log in logs for m in re.findall(r"Ingested document (\d+):", log.read_text())]
    for document in Document.objects.filter(pk__in=ids):
        assert document.status == "ready", (document.pk, document.error)
        chunk_ids = {c.chunk_id for c in Chunk.objects.filter(document=document)}
        assert chunk_ids, document.pk
        assert index.live(document.owner_id).stored_ids(where={"document_id": document.pk}) == chunk_ids
        assert finished.count(document.pk) == 1, (document.pk, finished)


def test_a_worker_killed_mid_ingestion_leaves_nothing_stuck_or_done_twice(alice_api, fleet):
    first = fleet.worker("ingest-1", settings.CELERY_TASK_DEFAULT_QUEUE)
    ids = [upload(alice_api, f"doc{n}.txt", text(n, 600)) for n in range(5)]
    deadline = time.monotonic() + 120
    while not Document.objects.filter(pk__in=ids, status="processing", stage="embedding").exists():
        assert time.monotonic() < deadline, "no document reached embedding"
        time.sleep(0.1)
    in_flight = list(Document.objects.filter(pk__in=ids, status="processing").values_list("pk", flat=True))
    killed = kill(first)
    second = fleet.recover("ingest-2", settings.CELERY_TASK_DEFAULT_QUEUE)
    wait_final(ids, timeout=240)
    total = time.monotonic() - killed
    print(
        f"\n[faults] worker SIGKILLed mid-ingestion ({len(in_flight)} in flight of {len(ids)}): "
        f"every document final {total:.1f} s after the kill"
    )
    assert_indexed_once(ids, [servers.log_of(first), servers.log_of(second)])
    for document in Document.objects.filter(pk__in=in_flight):
        assert document.worker_losses == 1  # requeued by the reaper once, not redelivered behind its back


def test_a_worker_killed_mid_answer_fails_the_answer_with_a_reason_the_asker_hears(
    alice, alice_api, fleet, chroma_server
):
    ready_document(alice, "otters.txt", OTTERS)
    first = fleet.worker("answer-1", settings.CELERY_QA_QUEUE, ANSWER_MAX_TOKENS="400")
    answers = [
        alice_api.post("/api/ask/", {"question": q, "stream": True}, format="json", HTTP_ACCEPT="text/event-stream")
        for q in ("Why do otters hold hands? Explain at length.", "Describe how otters sleep, in detail.")
    ]
    ids = [a.pk for a in Answer.objects.order_by("pk")]
    for response in answers:
        response.close()  # nobody reads these streams; the test reads the events itself
    deadline = time.monotonic() + 120
    while not any(e.kind == "token" for i in ids for e in stream.read(i, "0", timeout=0.05)):
        assert time.monotonic() < deadline, "no token came"
    killed = kill(first)
    # the supervisor starts a worker again; it runs the reaper, and takes no stopped answer up again (their
    # messages were never acknowledged, and the lease says they are not pending)
    fleet.recover("answer-2", settings.CELERY_QA_QUEUE)
    while Answer.objects.filter(pk__in=ids).exclude(status__in=FINAL_ANSWER).exists():
        assert time.monotonic() - killed < 120, list(Answer.objects.values_list("pk", "status"))
        time.sleep(0.2)
    total = time.monotonic() - killed
    print(f"\n[faults] worker SIGKILLed mid-answer: every answer final {total:.1f} s after the kill")
    stopped = list(Answer.objects.filter(pk__in=ids, status="failed"))
    assert stopped, "the kill came after every answer had finished"
    for answer in stopped:
        assert answer.error == ending.WORKER_STOPPED
        final = stream.read(answer.pk, "0", timeout=1)[-1]
        assert (final.kind, final.data["code"]) == ("error", "worker_lost")  # what a listening asker hears
    time.sleep(3)
    assert set(Answer.objects.filter(pk__in=[a.pk for a in stopped]).values_list("status", flat=True)) == {"failed"}


def test_a_broker_restarted_empty_loses_no_queued_document(alice_api, redis_server, fleet):
    ids = [upload(alice_api, f"doc{n}.txt", text(n, 20)) for n in range(6)]  # queued: no worker yet
    assert set(Document.objects.filter(pk__in=ids).values_list("status", flat=True)) == {"queued"}
    redis_server.stop()  # no persistence: every queued message is gone
    redis_server.start()
    ingested_after_recovery(fleet, ids, "broker restarted without persistence, queued")


def test_with_the_broker_down_uploads_are_kept_and_questions_refused_as_json(alice_api, redis_server, fleet):
    redis_server.stop()
    ids = [upload(alice_api, f"doc{n}.txt", text(n, 10)) for n in range(3)]  # kept, answered queued
    response = alice_api.post("/api/ask/", {"question": "Where are the otters?"}, format="json")
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "queue_unavailable"
    assert not Answer.objects.exists()
    redis_server.start()
    ingested_after_recovery(fleet, ids, "broker down at upload, kept")


def test_a_hung_chat_server_fails_over_within_the_first_token_timeout(settings):
    hung = servers.HungServer()
    try:
        primary = Endpoint(kind="vllm", model="smollm2", base_url=f"http://127.0.0.1:{hung.port}/v1", timeout=120)
        model = registry.RoutedChatModel(RoleConfig("chat", primary=primary, fallback=CHAT_ENDPOINT))
        registry.build("chat", CHAT_ENDPOINT).complete([Message("user", "Hi.")], max_tokens=1, temperature=0)  # loaded
        started = time.monotonic()
        deltas = model.stream([Message("user", "Say hello.")], max_tokens=8, temperature=0)
        first = next(iter(deltas))
        took = time.monotonic() - started
        getattr(deltas, "close")()  # noqa: B009 - a generator: closing it stops the local generation
    finally:
        hung.close()
    hung_call = ProviderCall.objects.get(kind="vllm")
    print(
        f"\n[faults] hung chat server: gave up on it after {hung_call.latency_ms / 1000:.1f} s, "
        f"first token from the fallback after {took:.1f} s"
    )
    assert not hung_call.ok
    assert "timed out" in hung_call.error
    assert hung.accepted >= 1  # the request did reach the hung server
    assert first.text or first.usage
    # the first-token timeout cut the hung call, not the 120 s total (figures: docs/benchmarks.md)
    assert hung_call.latency_ms / 1000 < primary.timeout / 2


def test_a_hung_chat_server_without_fallback_fails_the_answer_before_the_client_gives_up(
    alice, alice_api, fleet, chroma_server, settings
):
    ready_document(alice, "otters.txt", OTTERS)
    hung = servers.HungServer()
    ProviderSetting.objects.create(role="chat", kind="vllm", base_url=f"http://127.0.0.1:{hung.port}/v1")
    timeout = 60.0
    env = {"ANSWER_TIMEOUT": str(timeout), "PROVIDER_RETRIES": "1"}
    fleet.worker("answer", settings.CELERY_QA_QUEUE, **env)
    settings.ANSWER_TIMEOUT = timeout
    try:
        started = time.monotonic()
        response = alice_api.post("/api/ask/", {"question": "Why do otters hold hands?"}, format="json")
        took = time.monotonic() - started
    finally:
        hung.close()
    print(f"\n[faults] hung chat server, no fallback: the client had the final state after {took:.1f} s")
    assert response.status_code == 503, response.content
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]["support_id"] == f"answer-{Answer.objects.get().pk}"  # alice: no details
    assert took < timeout
    assert Answer.objects.get().status == "failed"
    assert "timed out" in Answer.objects.get().error  # the details, for staff and the log
