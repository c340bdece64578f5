"""Fill a new generation from the database: every indexed parent's stored passages, in batches, resumable.

Each batch's progress is checkpointed on the generation's row; a run stopped anywhere (a worker killed,
its lease lost, its time up) leaves what it wrote, and the next run skips every id the generation
already holds, so no passage is written twice and, after the closing reconcile, none is missing.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator

from django.conf import settings
from django.utils import timezone

from rag_app.index import fill, fingerprint, generations, reconcile, sources
from rag_app.index.generations import BUILDING, READY, Gen
from rag_app.index.items import Source
from rag_app.index.models import Generation

log = logging.getLogger(__name__)

PARENT_BATCH_PASSAGES = 512  # passages read from the database and embedded per checkpointed step

Progress = Callable[[int, int], None]  # (done, total)


class BuildStopped(Exception):
    """The build stopped early (its lease was lost or its time is up); what it wrote stays."""


def _settle() -> None:
    """Wait until every process has read the generations again, so each write since reaches this one too."""
    time.sleep(float(settings.PROVIDER_CONFIG_TTL) + 0.5)


def plan(owners: set[int] | None = None) -> dict[Source, dict[int, int]]:
    """Per source kind: each parent that should be indexed (of owners, if given) and how many passages it has."""
    return {
        k.source: {pk: len(p.item_ids) for pk, p in k.indexed().items() if owners is None or p.owner_id in owners}
        for k in sources.all_sources()
    }


def _steps(parents: dict[int, int]) -> Iterator[list[int]]:
    """Parent ids in order, grouped so each group holds about PARENT_BATCH_PASSAGES passages."""
    group: list[int] = []
    count = 0
    for pk in sorted(parents):
        group.append(pk)
        count += parents[pk]
        if count >= PARENT_BATCH_PASSAGES:
            yield group
            group, count = [], 0
    if group:
        yield group


def build(
    generation_id: int,
    *,
    lost: threading.Event | None = None,
    deadline: float | None = None,
    on_progress: Progress | None = None,
    settle: bool = True,
    owners: set[int] | None = None,
) -> Generation:
    """Build (or resume building) one generation, then reconcile it and mark it ready.

    Raises BuildStopped when lost is set or the monotonic deadline passes between batches. settle=False
    skips the waits for other processes to hear of the generation; owners builds only their passages and
    skips the closing reconcile (both for a benchmark alone on its own index).
    """
    row = Generation.objects.get(pk=generation_id)
    if row.state != BUILDING:
        return row
    gen = generations.of_row(row)
    if settle:
        _settle()
    if not row.fingerprint:
        row.fingerprint = fingerprint.fingerprint(gen.embedder()).to_json()
    todo = plan(owners)
    total = sum(sum(parents.values()) for parents in todo.values())
    stored = _stored(gen)  # an earlier run's work (or dual writes since the start): skipped, counted as done
    row.total, row.build_started_at = total, row.build_started_at or timezone.now()
    Generation.objects.filter(pk=row.pk).update(
        total=total, fingerprint=row.fingerprint, build_started_at=row.build_started_at, error=""
    )
    started, spent = time.monotonic(), row.build_seconds
    state = {"done": 0}

    def checkpoint(n: int) -> None:
        state["done"] += n
        Generation.objects.filter(pk=row.pk).update(
            done=state["done"], build_seconds=spent + time.monotonic() - started
        )
        if on_progress is not None:
            on_progress(state["done"], total)
        if lost is not None and lost.is_set():
            raise BuildStopped(f"{gen.label}: the build's lease was lost")
        if deadline is not None and time.monotonic() > deadline:
            raise BuildStopped(f"{gen.label}: the build's time is up; it continues in its next run")

    for source, parents in todo.items():
        for step in _steps(parents):
            pending, held = fill.pending(gen, source, step, stored)
            if held:
                checkpoint(held)
            fill.write(gen, pending, on_batch=checkpoint)
    if settle:
        _settle()
    if owners is None:
        report = reconcile.reconcile(fix=True, generation=gen)
        for line in report.lines():
            log.info("%s: %s", gen.label, line)
    Generation.objects.filter(pk=row.pk, state=BUILDING).update(
        state=READY,
        done=total,
        build_finished_at=timezone.now(),
        build_seconds=spent + time.monotonic() - started,
    )
    generations.invalidate()
    row.refresh_from_db()
    return row


def _stored(gen: Gen) -> set[str]:
    """Every id the generation holds now."""
    ids: set[str] = set()
    for collection in gen.owner_collections().values():
        ids |= collection.stored_ids()
    return ids
