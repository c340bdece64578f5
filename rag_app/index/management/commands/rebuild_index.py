"""Rebuild the whole search index from the database with the configured embedder (after changing it)."""

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from rag_app.index import sources
from rag_app.index.rebuild import rebuild
from rag_app.providers import registry


class Command(BaseCommand):
    help = (
        "Drop the vector index and embed every ready document's stored chunks and every note again with "
        "the embeddings provider configured now. Questions find nothing until it finishes."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")

    def handle(self, *args: Any, **options: Any) -> None:
        embedder = registry.embedder()
        counts = ", ".join(f"{len(kind.indexed())} {kind.singular}s" for kind in sources.all_sources())
        self.stdout.write(f"Rebuilding the index with {embedder.endpoint.label}: {counts}.")
        if not options["yes"] and input("Drop the current index and rebuild it? [y/N] ").strip().lower() != "y":
            self.stdout.write("Nothing done.")
            return
        started = time.monotonic()
        written = rebuild()
        passages = sum(n for _, n in written.values())
        parts = " and ".join(f"{parents} {sources.get(s).singular}s" for s, (parents, _) in written.items())
        self.stdout.write(
            self.style.SUCCESS(f"Indexed {passages} passages of {parts} in {time.monotonic() - started:.1f} s.")
        )
