"""manage.py bench_ingest: chunks/s through the whole pipeline vs raw batched embedding vs one request per chunk."""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand, CommandParser

from documents import ingest, services
from documents.chunking import chunk_pages
from documents.extract import extract
from documents.formats.base import Page
from documents.models import Document
from rag_app.index import service as index
from rag_app.providers import config, registry


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} ({os.cpu_count()} cores)"


_VOCABULARY = (
    "budget river bridge committee report revenue forecast staff quarter delay supplier contract risk audit "
    "schedule design survey permit flood engineer concrete steel traffic council vote public meeting"
)
_WORDS = _VOCABULARY.split(" ")


def synthetic_text(paragraphs: int, words_each: int) -> str:
    """Deterministic prose-like paragraphs, each just under one passage long (one chunk each)."""
    out = []
    for p in range(paragraphs):
        words = [_WORDS[(p * 7 + i * 3 + i * i) % len(_WORDS)] for i in range(words_each)]
        out.append(f"Section {p}. " + " ".join(words).capitalize() + ".")
    return "\n\n".join(out)


class Command(BaseCommand):
    """Measure the embedding part of ingestion against the configured embedder (registry.embedder())."""

    help = (
        "Benchmark ingestion: the whole pipeline, raw batched embedding calls and one call per chunk, in chunks/s. "
        "Uses the configured embedder; --url/--model override VLLM_EMBED_URL/VLLM_EMBED_MODEL."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--chunks", type=int, default=480, help="passages to embed (default 480)")
        parser.add_argument("--per-chunk-sample", type=int, default=0, help="measure one-per-chunk on this many")
        parser.add_argument("--batch-size", type=int, default=settings.EMBED_BATCH_SIZE)
        parser.add_argument("--in-flight", type=int, default=settings.EMBED_IN_FLIGHT)
        parser.add_argument("--url", default="", help="embedding server URL (sets VLLM_EMBED_URL)")
        parser.add_argument("--model", default="", help="served embedding model (sets VLLM_EMBED_MODEL)")
        parser.add_argument("--repeat", type=int, default=1, help="runs per mode; the best is reported")
        parser.add_argument("--pdf", default="", help="also time extracting and chunking this PDF (pages/s)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["pdf"]:
            self._extraction(Path(options["pdf"]))
        if options["url"]:
            settings.VLLM_EMBED_URL = options["url"]
        if options["model"]:
            settings.VLLM_EMBED_MODEL = options["model"]
        settings.EMBED_BATCH_SIZE = options["batch_size"]
        settings.EMBED_IN_FLIGHT = options["in_flight"]
        config.invalidate()
        embedder = registry.embedder()
        in_flight = 1 if embedder.kind == "local" else min(settings.EMBED_IN_FLIGHT, embedder.endpoint.max_in_flight)
        text = synthetic_text(options["chunks"], words_each=settings.CHUNK_TOKENS * 3 // 4)
        passages = chunk_pages([Page(None, text)], size=settings.CHUNK_TOKENS, overlap=0)[: options["chunks"]]
        self.stdout.write(
            f"{_load()}; embedder {embedder.kind}:{embedder.model}  chunks {len(passages)}  "
            f"batch {options['batch_size']}  in flight {in_flight}  chunk tokens <= {settings.CHUNK_TOKENS}"
        )
        embedder.embed_batch(["warm up"])  # load the model / open the connection outside the timings
        repeat = max(1, options["repeat"])

        sample = passages[: options["per_chunk_sample"] or max(32, len(passages) // 4)]
        per_chunk = max(
            self._time(lambda: [embedder.embed_batch([p.text]) for p in sample], len(sample)) for _ in range(repeat)
        )
        raw = max(
            self._time(
                lambda: list(embedder.embed_iter([p.text for p in passages], batch_size=options["batch_size"])),
                len(passages),
            )
            for _ in range(repeat)
        )
        before, pipeline = 0.0, 0.0
        for _ in range(repeat):  # the two pipelines alternate, so load changes touch both alike
            index.OVERLAP_WRITES = False
            before = max(before, self._pipeline(text, len(passages)))
            index.OVERLAP_WRITES = True
            pipeline = max(pipeline, self._pipeline(text, len(passages)))

        self.stdout.write(f"one request per chunk   {per_chunk:8.1f} chunks/s  ({len(sample)} chunks)")
        self.stdout.write(f"raw batched embedding   {raw:8.1f} chunks/s")
        self.stdout.write(f"pipeline, writes in line {before:7.1f} chunks/s  (before: each upsert waits for the last)")
        self.stdout.write(f"whole pipeline          {pipeline:8.1f} chunks/s  (extract, chunk, embed, Chroma, DB)")
        self.stdout.write(f"batched / per-chunk     {raw / per_chunk:8.2f}x  (target >= 5x)")
        self.stdout.write(f"in line / raw batched   {before / raw:8.2f}x")
        self.stdout.write(f"pipeline / raw batched  {pipeline / raw:8.2f}x  (target >= 0.9x); {_load()}")

    def _extraction(self, path: Path) -> None:
        data = path.read_bytes()
        start = time.perf_counter()
        pages = extract(data, "pdf").pages
        extracted = time.perf_counter() - start
        passages = chunk_pages(pages, size=settings.CHUNK_TOKENS, overlap=settings.CHUNK_OVERLAP_TOKENS)
        chunked = time.perf_counter() - start - extracted
        ocr = sum(1 for p in pages if p.generated_by)
        self.stdout.write(
            f"{path.name}: {len(pages)} pages ({ocr} by OCR) extracted in {extracted:.2f} s "
            f"({len(pages) / extracted:.0f} pages/s), {len(passages)} chunks in {chunked:.2f} s"
        )

    @staticmethod
    def _time(work: Any, count: int) -> float:
        start = time.perf_counter()
        work()
        return count / (time.perf_counter() - start)

    def _pipeline(self, text: str, expected: int) -> float:
        """One text document through ingest.run, in a throwaway collection and user."""
        owner = User.objects.create_user(f"bench-{uuid.uuid4().hex[:8]}")
        with index.using(f"bench-{uuid.uuid4().hex[:8]}"):
            try:
                document = Document(
                    owner=owner, title="bench.txt", original_name="bench.txt", kind="text", size=len(text), sha256="b"
                )
                document.file.save("bench.txt", ContentFile(text.encode()), save=False)
                document.save()
                start = time.perf_counter()
                ingest.run(document)
                elapsed = time.perf_counter() - start
                if document.chunk_count < expected * 0.9:
                    self.stderr.write(f"the pipeline made {document.chunk_count} chunks, expected about {expected}")
                services.document_delete(document=document)
                return document.chunk_count / elapsed
            finally:
                owner.delete()
                index.drop_all()
