"""manage.py bench_retrieval: recall@k against exact search, p50/p95 query time and insert rate, per layout."""

from __future__ import annotations

import json
import os
import time
import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from rag_app.evals.bench import retrieval


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} ({os.cpu_count()} cores)"


class Command(BaseCommand):
    """Write synthetic vectors into throwaway collections of the configured Chroma, ask, compare, drop."""

    help = (
        "Benchmark retrieval at scale on the configured Chroma (CHROMA_URL): for each size and layout "
        "(shared-default: one collection with Chroma's HNSW defaults filtered by owner, as the app had; shared: "
        "the same with the app's tuned HNSW; per-owner: a collection per owner, as the app has now), recall@k "
        "against exact numpy search over the asking owner's vectors, p50/p95 query ms and inserts/s."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--vectors", nargs="+", default=["10k"], help="sizes: 10k 100k 1m (default 10k)")
        parser.add_argument("--owners", type=int, default=20, help="owners the vectors are split among (20)")
        parser.add_argument("--uneven", action="store_true", help="Zipf-like split: owner i has ~1/(i+1) of them")
        parser.add_argument("--queries", type=int, default=200, help="queries per layout, spread over the owners")
        parser.add_argument("--k", type=int, default=10)
        parser.add_argument(
            "--layouts", nargs="+", default=list(retrieval.LAYOUTS), choices=list(retrieval.LAYOUTS), metavar="LAYOUT"
        )
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument(
            "--spread", type=float, default=1.0, help="cluster noise (1: embedding-like; 0: no clusters, hardest)"
        )
        parser.add_argument(
            "--block", type=int, default=retrieval.BLOCK, help="vectors generated and inserted at a time"
        )
        parser.add_argument("--writers", type=int, default=4, help="upsert requests in flight while inserting (4)")
        parser.add_argument("--json", default="bench_retrieval.json", help="where to write the figures")
        parser.add_argument("--keep", action="store_true", help="leave the collections in Chroma afterwards")
        parser.add_argument(
            "--name", default="", help="collection name (default: a new one); a run under a kept name resumes it"
        )
        parser.add_argument(
            "--checkpoints", nargs="*", default=[], help="also measure when this many are inserted: 100k 250k ..."
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bars")

    def handle(self, *args: Any, **options: Any) -> None:
        where = settings.CHROMA_URL or f"embedded at {settings.CHROMA_PATH}"
        self.stdout.write(
            f"Chroma {where}; {options['owners']} owners ({'uneven' if options['uneven'] else 'even'} split), "
            f"{options['queries']} queries, k={options['k']}, spread {options['spread']}; {_load()}"
        )
        report: dict[str, Any] = {"started": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "load_before": os.getloadavg()}
        report.update({key: options[key] for key in ("owners", "uneven", "queries", "k", "seed", "spread")})
        results: list[dict[str, Any]] = []
        for n in retrieval.sizes(options["vectors"]):
            data = retrieval.Synthetic(
                n,
                options["owners"],
                queries=options["queries"],
                uneven=options["uneven"],
                seed=options["seed"],
                spread=options["spread"],
                block=options["block"],
            )
            self.stdout.write(f"\n{n} vectors, streamed {options['block']} at a time; {_load()}")
            self.stdout.write(retrieval.HEADER)
            for layout in options["layouts"]:
                name = options["name"] or f"bench-retrieval-{uuid.uuid4().hex[:8]}"
                kept = retrieval.stored(layout, name)
                if kept:
                    self.stdout.write(f"resuming {name}: {kept} vectors stored already")

                def show(result: retrieval.LayoutResult, name: str = name) -> None:
                    held = result.owner_sizes.values()
                    self.stdout.write(f"{result.row()}   owners hold {min(held)}..{max(held)}; {_load()}")
                    results.append({**result.to_dict(), "collection": name, "load_after": os.getloadavg()})
                    Path(options["json"]).write_text(json.dumps({**report, "results": results}, indent=2))

                try:
                    retrieval.run_layout(
                        layout,
                        data,
                        name=name,
                        k=options["k"],
                        progress=not options["no_progress"],
                        writers=options["writers"],
                        checkpoints=list(retrieval.sizes(options["checkpoints"])),
                        on_result=show,
                    )
                finally:
                    if not options["keep"]:
                        retrieval.drop(name)
        self.stdout.write(f"\n{_load()}; figures written to {options['json']}")
