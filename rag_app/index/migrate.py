"""Move the passages of the legacy shared collection into per-owner collections, copying the vectors as they are."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from rag_app import vectorstore
from rag_app.index import fingerprint
from rag_app.vectorstore import Collection, VectorItem

log = logging.getLogger(__name__)


@dataclass
class Moved:
    """What a migration did: vectors copied, the owners they went to, items left out (reconcile re-indexes)."""

    vectors: int = 0
    owners: set[int] = field(default_factory=set)
    left_out: int = 0  # no owner, or the owner's collection holds another embedder's vectors

    def line(self) -> str:
        """The migration in words, for reconcile's report."""
        return (
            f"Moved {self.vectors} vectors of {len(self.owners)} owners from the shared collection into "
            f"per-owner collections (left out {self.left_out} that no owner could use)."
        )


def migrate(legacy: Collection, owner_collection: Callable[[int], Collection]) -> Moved:
    """Copy every item of legacy into its owner's collection (no embedding again), then drop legacy.

    Harmless to run twice or in two processes at once: items are upserted by id. An owner collection
    adopts the legacy collection's embedding fingerprint; items are left out where they would mix
    vector spaces, and reconcile then finds their parents missing vectors and re-indexes them.
    """
    moved = Moved()
    if legacy.name not in vectorstore.collection_names(legacy.name):
        return moved
    known = fingerprint.stored(legacy)
    fits: dict[int, bool] = {}
    for page in legacy.iter_items():
        by_owner: dict[int, list[VectorItem]] = defaultdict(list)
        for item in page:
            owner = item.metadata.get("owner_id")
            if isinstance(owner, int) and not isinstance(owner, bool):
                by_owner[owner].append(item)
            else:
                moved.left_out += 1
        for owner, items in by_owner.items():
            target = owner_collection(owner)
            if owner not in fits:
                fits[owner] = _adopt(target, known)
            if not fits[owner]:
                moved.left_out += len(items)
                continue
            target.upsert(items)
            moved.owners.add(owner)
            moved.vectors += len(items)
    legacy.drop()
    if moved.vectors or moved.left_out:
        log.info(moved.line())
    return moved


def _adopt(target: Collection, known: fingerprint.Fingerprint | None) -> bool:
    """Give target the legacy fingerprint if it has none; False when it already holds another space."""
    current = fingerprint.stored(target)
    if current is None:
        if known is not None:
            fingerprint.store(target, known)
        return True
    return known is None or current.matches(known)
