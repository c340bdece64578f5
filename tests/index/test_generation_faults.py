"""A worker SIGKILLed mid-build: the reaper sends the build again, the next worker resumes where the first
stopped (nothing embedded twice), and the reconcile of the new generation is clean. Real Chroma, real workers.
"""

from __future__ import annotations

import signal
import time

import pytest

from rag_app import leases
from rag_app.index import generations, lifecycle, reconcile
from rag_app.index.models import Generation
from rag_app.providers.local import SMOL_EMBED_MODEL_NAME
from rag_app.providers.models import ProviderCall
from tests.qa.conftest import ready_document
from tests.resilience import servers
from tests.resilience.test_faults import Fleet, fleet, redis_server  # noqa: F401 - fixtures

pytestmark = [pytest.mark.faults, pytest.mark.stack, pytest.mark.django_db(transaction=True)]

BATCH = 4


def test_a_worker_killed_mid_build_is_resumed_by_the_next_one_and_the_generation_reconciles(
    tmp_path,
    alice,
    settings,
    redis_server,  # noqa: F811
    fleet: Fleet,  # noqa: F811
):
    settings.CHUNK_TOKENS, settings.CHUNK_OVERLAP_TOKENS = 20, 0  # many passages from a short text
    settings.LEASE_SECONDS = 3600  # while this process ingests (the workers have their own short leases)
    text = "\n\n".join(f"Section {n}. The ferry number {n} leaves pier {n % 7} at {n % 12} o'clock." for n in range(40))
    document = ready_document(alice, "ferries.txt", text)
    total = document.chunk_count
    assert total >= 20
    queue = settings.CELERY_TASK_DEFAULT_QUEUE
    first = servers.worker(tmp_path, "first", queue, redis_server.url, EMBED_BATCH_SIZE=str(BATCH))
    fleet.started.append(first)
    row = lifecycle.generation_start(kind="local", model=SMOL_EMBED_MODEL_NAME)

    deadline = time.monotonic() + 600
    while Generation.objects.get(pk=row.pk).done < BATCH * 2:
        assert time.monotonic() < deadline, "the first worker never got going"
        time.sleep(0.2)
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=30)
    at_kill = Generation.objects.get(pk=row.pk)
    assert at_kill.state == "building"
    assert 0 < at_kill.done < total, "killed too late to show a resume; make the document longer"

    second = servers.worker(tmp_path, "second", queue, redis_server.url, EMBED_BATCH_SIZE=str(BATCH))
    fleet.started.append(second)
    deadline = time.monotonic() + 600
    while (current := Generation.objects.get(pk=row.pk)).state == "building":
        assert time.monotonic() < deadline, f"not rebuilt: {current.done}/{current.total}"
        leases.reap()  # as beat does every REAPER_INTERVAL: the first worker's lease expires, the task is sent again
        time.sleep(1)

    assert (current.state, current.done, current.total) == ("ready", total, total)
    gen = generations.of_row(current)
    assert gen.collection(alice.pk).stored_ids() == {f"{document.pk}:{i}" for i in range(total)}
    assert reconcile.reconcile(fix=False, generation=gen).problems == 0
    inputs = sum(ProviderCall.objects.filter(model=SMOL_EMBED_MODEL_NAME).values_list("inputs", flat=True))
    # every passage once, plus at most the batches in flight when the first worker died and one probe per worker
    assert total <= inputs <= total + BATCH * settings.EMBED_IN_FLIGHT + 2
    print(f"\n[faults] worker SIGKILLed at {at_kill.done}/{total} passages; resumed; {inputs} texts embedded in all")
    lifecycle.generation_drop(number=current.number)
