"""Rebuild the whole search index from the database with the configured embedder (after changing it)."""

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from documents import services as document_services
from documents.models import Document
from notes.indexing import note_index
from notes.models import Note
from rag_app import vectorstore
from rag_app.providers import fingerprint, registry


class Command(BaseCommand):
    help = (
        "Drop the vector index and embed every ready document's stored chunks and every note again with "
        "the embeddings provider configured now. Questions find nothing until it finishes."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")

    def handle(self, *args: Any, **options: Any) -> None:
        embedder = registry.embedder(check_index=False)
        documents = Document.objects.filter(status=Document.Status.READY).order_by("pk")
        notes = Note.objects.order_by("pk")
        self.stdout.write(
            f"Rebuilding the index with {embedder.kind}:{embedder.model}: "
            f"{documents.count()} documents, {notes.count()} notes."
        )
        if not options["yes"] and input("Drop the current index and rebuild it? [y/N] ").strip().lower() != "y":
            self.stdout.write("Nothing done.")
            return
        started = time.monotonic()
        vectorstore.reset()
        fingerprint.forget()  # the empty index adopts the configured embedder's fingerprint
        chunks = sum(document_services.document_reindex(document=d) for d in documents.iterator())
        indexed_notes = sum(1 for n in notes.iterator() if note_index(note_id=n.pk) is not None)
        self.stdout.write(
            self.style.SUCCESS(
                f"Indexed {chunks} chunks of {documents.count()} documents and {indexed_notes} notes "
                f"in {time.monotonic() - started:.1f} s."
            )
        )
