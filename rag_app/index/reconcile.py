"""Find and repair disagreements between the database (the truth) and the index, for every source kind."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from rag_app.index import fill, migrate, service, sources
from rag_app.index.generations import Gen
from rag_app.index.items import ItemKey, Source, key_of

log = logging.getLogger(__name__)


@dataclass
class Report:
    """What disagrees: items to delete, parents to re-index, parents to queue again."""

    vectors_checked: int = 0
    checked: dict[Source, int] = field(default_factory=dict)  # parents of each kind looked at
    orphan_ids: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))  # by kind, in words
    stale_ids: list[str] = field(default_factory=list)  # an indexed parent has no such passage
    missing: dict[Source, dict[int, int]] = field(default_factory=lambda: defaultdict(dict))  # parent -> count
    wrong_owner: dict[Source, set[int]] = field(default_factory=lambda: defaultdict(set))
    stuck: dict[Source, list[int]] = field(default_factory=dict)
    moved: migrate.Moved = field(default_factory=migrate.Moved)  # from the legacy shared collection first
    doomed: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))  # owner collection -> ids

    @property
    def problems(self) -> int:
        """How many disagreements were found."""
        return (
            sum(len(v) for v in self.orphan_ids.values())
            + len(self.stale_ids)
            + sum(len(v) for v in self.missing.values())
            + sum(len(v) for v in self.wrong_owner.values())
            + sum(len(v) for v in self.stuck.values())
        )

    def lines(self) -> list[str]:
        """The report in words."""
        kinds = {s.source: s for s in sources.all_sources()}
        counted = " and ".join(f"{n} {kinds[s].singular}s" for s, n in self.checked.items())
        out = [self.moved.line()] if self.moved.vectors or self.moved.left_out else []
        out.append(f"Checked {counted or 'nothing'} and {self.vectors_checked} vectors.")
        for what, ids in self.orphan_ids.items():
            out.append(f"{len(ids)} vectors belong to no usable {what}: {_sample(ids)}")
        if self.stale_ids:
            out.append(f"{len(self.stale_ids)} vectors have no chunk in the database: {_sample(self.stale_ids)}")
        for source, missing in self.missing.items():
            if missing:
                parents, total = sorted(missing), sum(missing.values())
                out.append(f"{len(parents)} {kinds[source].indexed_plural} miss {total} vectors: {_sample(parents)}")
        for source, wrong in self.wrong_owner.items():
            if wrong:
                singular = kinds[source].singular
                out.append(f"{len(wrong)} {singular}s have vectors under the wrong owner: {_sample(wrong)}")
        for source, stuck in self.stuck.items():
            if stuck:
                kind = kinds[source]
                out.append(f"{len(stuck)} {kind.singular}s are stuck {kind.busy_words}: {_sample(stuck)}")
        if not self.problems:
            out.append("The database and the index agree.")
        return out


def _sample(items: Iterable[object]) -> str:
    values = sorted(items, key=str)
    shown = ", ".join(str(v) for v in values[:10])
    return shown + (f" and {len(values) - 10} more" if len(values) > 10 else "")


def reconcile(*, fix: bool, generation: Gen | None = None) -> Report:
    """Compare every item of every owner's collection with the database; with fix, delete, re-index and requeue.

    generation: the one to judge (default: the live one). A legacy shared collection is migrated first
    (always: it is a lossless move, and the owners' collections are what is judged). An item belongs in
    its parent's owner's collection, with that owner. Another generation than the live one is repaired
    from the stored passages with its own embedder; stuck work is requeued only by the live one's.
    """
    live = service.live_generation()
    gen = generation or live
    report = Report(moved=service.migrate_legacy())
    kinds = {s.source: s for s in sources.all_sources()}
    indexed = {source: kind.indexed() for source, kind in kinds.items()}
    busy = {source: kind.busy() for source, kind in kinds.items()}
    for source in kinds:
        report.checked[source] = len(indexed[source]) + len(busy[source])
    stored: dict[tuple[Source, int], set[str]] = defaultdict(set)
    for owner_id, collection in service.owner_collections(gen).items():
        for item, meta in collection.iter_metadata():
            report.vectors_checked += 1
            key: ItemKey | None = key_of(meta)
            if key is None or key.source not in kinds:
                report.orphan_ids["item this app knows"].append(item)
                report.doomed[owner_id].append(item)
                continue
            parent = indexed[key.source].get(key.parent_id)
            if parent is None:
                if key.parent_id not in busy[key.source]:  # busy: being written right now
                    report.orphan_ids[kinds[key.source].singular].append(item)
                    report.doomed[owner_id].append(item)
            elif item not in parent.item_ids:
                report.stale_ids.append(item)
                report.doomed[owner_id].append(item)
            elif owner_id != parent.owner_id:  # in another owner's collection
                report.wrong_owner[key.source].add(key.parent_id)
                report.doomed[owner_id].append(item)
            else:
                stored[(key.source, key.parent_id)].add(item)
                if meta.get("owner_id") != parent.owner_id:
                    report.wrong_owner[key.source].add(key.parent_id)
    for source, parents in indexed.items():
        for parent_id, parent in parents.items():
            missing = parent.item_ids - stored[(source, parent_id)]
            if missing and parent_id not in report.wrong_owner[source]:
                report.missing[source][parent_id] = len(missing)
        if gen.number == live.number:
            report.stuck[source] = sorted(kinds[source].stuck())
    if fix:
        _repair(report, kinds, gen, live=gen.number == live.number)
    return report


def _repair(report: Report, kinds: dict[Source, sources.IndexSource], gen: Gen, *, live: bool) -> None:
    for owner_id, doomed in report.doomed.items():
        collection = gen.collection(owner_id)
        for start in range(0, len(doomed), 500):
            collection.delete_ids(doomed[start : start + 500])
    for source, kind in kinds.items():
        parents = sorted(set(report.missing[source]) | report.wrong_owner[source])
        if not live:
            count = fill.fill(gen, source, parents) if parents else 0
            log.info("Wrote %s passages of %s %ss into %s", count, len(parents), kind.singular, gen.label)
            continue
        for parent_id in parents:
            count = kind.reindex(parent_id)
            log.info("Re-indexed %s %s (%s passages)", kind.singular, parent_id, count)
        for parent_id in report.stuck.get(source, []):
            kind.requeue(parent_id)
