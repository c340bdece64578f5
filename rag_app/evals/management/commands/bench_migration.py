"""manage.py bench_migration: a generation's build in chunks/s vs raw batched embedding calls on the same embedder."""

from __future__ import annotations

import os
import time
import uuid
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand, CommandParser

from documents.models import Chunk, Document
from rag_app.evals.management.commands.bench_ingest import synthetic_text
from rag_app.index import build, generations, lifecycle
from rag_app.index import service as index
from rag_app.index.models import Generation
from rag_app.providers import config


class Command(BaseCommand):
    help = (
        "Benchmark an index migration: build a generation of N stored passages (read from the database, "
        "embedded, written to Chroma) against raw batched embed calls of the same texts, in chunks/s."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--chunks", type=int, default=480, help="stored passages to migrate (default 480)")
        parser.add_argument("--provider", help="embeddings kind (default: the configured one)")
        parser.add_argument("--model", help="model (default: the configured one)")
        parser.add_argument("--url", default="", help="base URL (default: the environment's for that kind)")

    def handle(self, *args: Any, **options: Any) -> None:
        configured = config.role_config("embeddings").primary
        assert configured is not None
        kind = options["provider"] or configured.kind
        model = options["model"] or configured.model
        url = options["url"] if options["provider"] else options["url"] or configured.base_url
        texts = synthetic_text(options["chunks"], 60).split("\n\n")
        name = f"bench-migration-{uuid.uuid4().hex[:12]}"
        owner = User.objects.create_user(name)
        document = _stored_document(owner, texts)
        try:
            with index.using(name):
                self._run(kind, model, url, texts, owner.pk)
        finally:
            document.delete()
            owner.delete()
            with index.using(name):
                index.drop_all()
            Generation.objects.filter(index_name=name).delete()
            generations.invalidate()

    def _run(self, kind: str, model: str, url: str, texts: list[str], owner_id: int) -> None:
        row = lifecycle.generation_start(kind=kind, model=model, base_url=url, queue=False)
        embedder = generations.of_row(row).embedder()
        size = settings.EMBED_BATCH_SIZE
        embedder.embed_batch(texts[:size])  # warm: the model loaded, the connection open
        raw_before = _raw(embedder, texts, size)
        started = time.monotonic()
        built = build.build(row.pk, settle=False, owners={owner_id})
        migration = len(texts) / (time.monotonic() - started)
        raw_after = _raw(embedder, texts, size)
        raw = (raw_before + raw_after) / 2
        load = "/".join(f"{x:.2f}" for x in os.getloadavg())
        self.stdout.write(f"embedder {embedder.endpoint.label}, {len(texts)} passages, batch {size}")
        self.stdout.write(
            f"{'raw':<10}{raw:8.1f} chunks/s  batched embed calls (before {raw_before:.1f}, after {raw_after:.1f})"
        )
        self.stdout.write(
            f"{'migration':<10}{migration:8.1f} chunks/s  build: {built.done} passages read, embedded, written"
        )
        self.stdout.write(f"{'ratio':<10}{migration / raw:8.2f}  migration/raw, load average {load}")


def _raw(embedder: Any, texts: list[str], size: int) -> float:
    started = time.monotonic()
    for _ in embedder.embed_iter(texts, batch_size=size):
        pass
    return len(texts) / (time.monotonic() - started)


def _stored_document(owner: User, texts: list[str]) -> Document:
    """A ready document whose chunks are stored (as ingestion leaves them), without embedding it."""
    body = "\n\n".join(texts).encode()
    document = Document(
        owner=owner, title="bench.txt", original_name="bench.txt", kind="text", size=len(body), sha256=uuid.uuid4().hex
    )
    document.file.save("bench.txt", ContentFile(body), save=False)
    document.status = Document.Status.READY
    document.chunk_count = len(texts)
    document.save()
    Chunk.objects.bulk_create(Chunk(document=document, index=i, text=t) for i, t in enumerate(texts))
    return document
