"""Start, switch, roll back and drop index generations (the operator's actions; commands and admin call these)."""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from rag_app import leases
from rag_app.errors import ServiceError
from rag_app.index import generations, reconcile, service
from rag_app.index.generations import BUILDING, DROPPED, FAILED, KEPT, LIVE, READY
from rag_app.index.models import Generation
from rag_app.providers import config
from rag_app.providers.models import ProviderSetting, Slot

log = logging.getLogger(__name__)


class GenerationError(ServiceError):
    """An action on generations that cannot be done now (said in words an operator can act on)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, permanent=True)


def _live_row(index_name: str) -> Generation:
    """The live generation's row, created for generation 1 from the embeddings configuration if absent."""
    row = Generation.objects.select_for_update().filter(index_name=index_name, state=LIVE).first()
    if row is not None:
        return row
    endpoint = config.role_config("embeddings").primary
    if endpoint is None:
        raise GenerationError("No provider is configured for the embeddings role")
    return Generation.objects.create(
        index_name=index_name,
        number=1,
        kind=endpoint.kind,
        model=endpoint.model,
        base_url=endpoint.base_url,
        state=LIVE,
        switched_at=timezone.now(),
    )


@transaction.atomic
def generation_start(*, kind: str, model: str, base_url: str = "", queue: bool = True) -> Generation:
    """Create a new generation for an embeddings endpoint and queue its build (one build at a time).

    queue=False: the caller builds it itself (build.build), as rebuild_index does.
    """
    from rag_app.index.tasks import generation_build_task

    index_name = service.name()
    if generations.endpoint_of(kind, model, base_url) is None:
        raise GenerationError(f"{kind} cannot serve the embeddings role")
    _live_row(index_name)
    busy = Generation.objects.filter(index_name=index_name, state=BUILDING).first()
    if busy is not None:
        raise GenerationError(f"Generation {busy.number} is still building: wait for it, or drop it first.")
    number = (Generation.objects.filter(index_name=index_name).aggregate(n=Max("number"))["n"] or 1) + 1
    row = Generation.objects.create(
        index_name=index_name,
        number=number,
        kind=kind,
        model=model,
        base_url=base_url,
        state=BUILDING,
        resend_at=leases.resend_after() if queue else None,
    )
    if queue:
        leases.send_on_commit(generation_build_task, row.pk, row=(Generation, row.pk))
    generations.invalidate()  # this process writes to it at once; the others within the TTL
    return row


def generation_get(
    number: int | None = None, *, states: tuple[str, ...] = (BUILDING, READY, KEPT, FAILED)
) -> Generation:
    """A generation of the current index by number, or the newest one in one of states."""
    rows = Generation.objects.filter(index_name=service.name())
    row = rows.filter(number=number).first() if number is not None else rows.filter(state__in=states).last()
    if row is None:
        raise GenerationError(f"No generation {number}" if number else f"No generation is {' or '.join(states)}.")
    return row


def generation_switch(*, number: int | None = None, force: bool = False) -> Generation:
    """Make a ready (or kept) generation live, keeping the one it replaces in sync for a rollback.

    Refused when its last side-by-side check found it worse (or it has none) unless forced. First its
    reconcile repairs anything a failed dual write left out; then one transaction moves the live mark
    and points the embeddings role at the generation's endpoint, so configuration and index agree.
    """
    target = generation_get(number, states=(READY,))
    if target.state not in (READY, KEPT):
        raise GenerationError(f"Generation {target.number} is {target.state}: only a ready or kept one can go live.")
    if not force and target.check_worse is None and target.state == READY:
        raise GenerationError(f"Generation {target.number} has not been checked: run the check first, or force.")
    if not force and target.check_worse:
        raise GenerationError(
            f"Generation {target.number} was worse than the live one in its check (see its output): force to switch."
        )
    reconcile.reconcile(fix=True, generation=generations.of_row(target))
    with transaction.atomic():
        live = _live_row(target.index_name)
        Generation.objects.filter(pk=live.pk).update(state=KEPT)
        Generation.objects.filter(pk=target.pk).update(state=LIVE, switched_at=timezone.now())
        ProviderSetting.objects.update_or_create(
            role="embeddings",
            slot=Slot.PRIMARY,
            defaults={"kind": target.kind, "model": target.model, "base_url": target.base_url, "enabled": True},
        )
    _forget()
    log.info("Generation %s of %s is live (generation %s kept)", target.number, target.index_name, live.number)
    target.refresh_from_db()
    return target


def generation_rollback() -> Generation:
    """Make the most recently live kept generation live again (no check: it answered before)."""
    kept = Generation.objects.filter(index_name=service.name(), state=KEPT).order_by("switched_at").last()
    if kept is None:
        raise GenerationError("No kept generation to roll back to.")
    return generation_switch(number=kept.number, force=True)


def generation_drop(*, number: int | None = None) -> Generation:
    """Delete a generation that is not live (default: the newest kept, ready or building one) and its collections.

    The collections are deleted twice, the second time after the generations' TTL: a process that had
    not yet heard of the drop may have written to them in between.
    """
    row = generation_get(number)
    if row.state == LIVE:
        raise GenerationError(f"Generation {row.number} is live: switch to another one before dropping it.")
    gen = generations.of_row(row)
    Generation.objects.filter(pk=row.pk).update(state=DROPPED, lease_expires_at=None, worker="", resend_at=None)
    _forget()
    for _ in range(2):
        for collection in gen.owner_collections().values():
            collection.drop()
        time.sleep(float(settings.PROVIDER_CONFIG_TTL) + 0.5)
    row.refresh_from_db()
    return row


def generation_record_check(*, generation_id: int, output: str, worse: bool) -> None:
    """Keep the last side-by-side check's output with the generation (the admin shows it; switch reads it)."""
    Generation.objects.filter(pk=generation_id).update(check_output=output, check_worse=worse)


def _forget() -> None:
    generations.invalidate()
    config.invalidate()


def generations_reap() -> int:
    """Send a building generation's task again when its worker died (lease expired) or its message was lost."""
    from rag_app.index.tasks import generation_build_task

    count = 0
    building = Generation.objects.filter(state=BUILDING)
    for row in building.filter(leases.expired()):
        if building.filter(leases.expired(), pk=row.pk, worker=row.worker).update(
            lease_expires_at=None, worker="", resend_at=leases.resend_after()
        ):
            log.warning("Generation %s: its build's worker stopped; sent again", row.number)
            count += leases.send(generation_build_task, row.pk, row=(Generation, row.pk))
    for pk in building.filter(leases.free(), resend_at__lt=timezone.now()).values_list("pk", flat=True):
        count += leases.send(generation_build_task, pk, row=(Generation, pk))
    return count
