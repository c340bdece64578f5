"""Rebuild the whole search index from the database with the configured embedder (after changing it)."""

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from rag_app.index import sources
from rag_app.index.rebuild import rebuild
from rag_app.providers import registry


class Command(BaseCommand):
    help = (
        "Embed every ready document's stored chunks and every note into a new index generation with the "
        "embeddings provider configured now, switch to it, and drop the old one. Questions keep using the "
        "old generation until the switch."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")

    def handle(self, *args: Any, **options: Any) -> None:
        embedder = registry.embedder()
        counts = ", ".join(f"{len(kind.indexed())} {kind.singular}s" for kind in sources.all_sources())
        self.stdout.write(f"Rebuilding the index with {embedder.endpoint.label}: {counts}.")
        if not options["yes"] and input("Rebuild the index into a new generation? [y/N] ").strip().lower() != "y":
            self.stdout.write("Nothing done.")
            return
        started = time.monotonic()
        generation, written = rebuild()
        passages = sum(n for _, n in written.values())
        parts = " and ".join(f"{parents} {sources.get(s).singular}s" for s, (parents, _) in written.items())
        self.stdout.write(
            self.style.SUCCESS(
                f"Indexed {passages} passages of {parts} in {time.monotonic() - started:.1f} s "
                f"into generation {generation.number}, now live."
            )
        )
