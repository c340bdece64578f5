"""A real worker SIGKILLed in the middle of a large document: the redelivered run resumes from the last indexed
batch on the real Chroma server (the `faults` tier; figures printed with -s)."""

from __future__ import annotations

import re
import signal
import time

import pytest
from django.conf import settings
from django.db.models import Sum

from documents.models import Chunk, Document
from rag_app.index import service as index
from rag_app.providers.models import ProviderCall
from tests.resilience import servers
from tests.resilience import test_faults as faults

pytestmark = [pytest.mark.faults, pytest.mark.stack, pytest.mark.django_db(transaction=True)]

redis_server = faults.redis_server  # the fault tests' own Redis and process bookkeeping
fleet = faults.fleet

BATCH = 4  # small batches: many to stop between


def _embedded_since(pk: int) -> tuple[int, int]:
    """Texts embedded by the embedding calls logged after call pk, and how many of those calls had one text."""
    calls = ProviderCall.objects.filter(role="embeddings", pk__gt=pk)
    return calls.aggregate(n=Sum("inputs"))["n"] or 0, calls.filter(inputs=1).count()


def test_a_worker_killed_mid_document_resumes_from_the_last_indexed_batch(
    tmp_path, alice, alice_api, redis_server, fleet
):
    env = {"EMBED_BATCH_SIZE": str(BATCH), "CHUNK_TOKENS": "40", "CHUNK_OVERLAP_TOKENS": "0"}
    first = servers.worker(tmp_path, "large-1", settings.CELERY_TASK_DEFAULT_QUEUE, redis_server.url, **env)
    fleet.started.append(first)
    document_id = faults.upload(alice_api, "large.txt", faults.text(1, 400))
    collection = index.live(alice.pk)
    deadline = time.monotonic() + 900  # a bound for a loaded machine, not a timing
    while len(collection.stored_ids(where={"document_id": document_id})) < 3 * BATCH:
        assert time.monotonic() < deadline, "the first worker indexed nothing"
        time.sleep(0.05)
    first.send_signal(signal.SIGKILL)
    first.wait()
    killed = time.monotonic()
    stored_at_kill = collection.stored_ids(where={"document_id": document_id})
    last_call = ProviderCall.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    total = Chunk.objects.filter(document_id=document_id).count()
    assert 3 * BATCH <= len(stored_at_kill) < total, "the kill came after the whole document was indexed"

    fleet.started.append(servers.beat(tmp_path, redis_server.url))
    second = servers.worker(tmp_path, "large-2", settings.CELERY_TASK_DEFAULT_QUEUE, redis_server.url, **env)
    fleet.started.append(second)
    faults.wait_final([document_id], timeout=900)
    took = time.monotonic() - killed

    document = Document.objects.get(pk=document_id)
    assert document.status == "ready", document.error
    assert document.worker_losses == 1  # the reaper requeued it once
    chunk_ids = {c.chunk_id for c in Chunk.objects.filter(document_id=document_id)}
    assert len(chunk_ids) == total == document.chunk_count
    assert collection.stored_ids(where={"document_id": document_id}) == chunk_ids
    second_log = servers.log_of(second).read_text()
    resumed = re.search(rf"Document {document_id}: (\d+) of (\d+) passages indexed already", second_log)
    assert resumed, second_log[-3000:]
    assert (int(resumed[1]), int(resumed[2])) == (len(stored_at_kill), total)  # from the last indexed batch
    embedded, single = _embedded_since(last_call)
    remaining = total - len(stored_at_kill)
    # Everything left was embedded once: a batch of BATCH embedded again would add BATCH; one-text calls are
    # the embedder fingerprint's probes (and a last batch of one).
    assert remaining <= embedded <= remaining + single
    logs = servers.log_of(first).read_text() + second_log
    assert re.findall(rf"Ingested document {document_id}:", logs) == [f"Ingested document {document_id}:"]
    print(
        f"\n[faults] worker SIGKILLed at {len(stored_at_kill)}/{total} passages of one document: ready "
        f"{took:.1f} s after the kill; the second run embedded {embedded} texts for the {remaining} left"
    )
