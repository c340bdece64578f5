"""manage.py bench_large_document: one big text file through the pipeline in runs of one task's time budget."""

from __future__ import annotations

import json
import os
import time
import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand, CommandParser

from documents import ingest
from documents.models import Document
from rag_app.evals.management.commands.bench_ingest import synthetic_text
from rag_app.index import service as index


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f}"


class Command(BaseCommand):
    """Ingest a synthetic text file of --mb MB as the worker would: each run stops at the budget, the next resumes."""

    help = (
        "Benchmark a large text document: extract, chunk and embed it in runs of --budget seconds (a task's time "
        "budget), each resuming from the last indexed batch, in a throwaway user and index. Prints each run."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--mb", type=float, default=50.0, help="file size in MB (default 50)")
        parser.add_argument("--budget", type=float, default=float(settings.CELERY_TASK_SOFT_TIME_LIMIT))
        parser.add_argument("--max-runs", type=int, default=100)
        parser.add_argument("--json", default="bench_large_document.json")

    def handle(self, *args: Any, **options: Any) -> None:
        words = settings.CHUNK_TOKENS * 3 // 4
        paragraph_bytes = len(synthetic_text(10, words)) / 10
        text = synthetic_text(int(options["mb"] * 1e6 / paragraph_bytes), words)
        self.stdout.write(f"{len(text) / 1e6:.1f} MB of text, {options['budget']:.0f} s per run; {_load()}")
        owner = User.objects.create_user(f"bench-{uuid.uuid4().hex[:8]}")
        runs: list[dict[str, Any]] = []
        with index.using(f"bench-large-{uuid.uuid4().hex[:8]}"):
            try:
                document = Document(
                    owner=owner, title="big.txt", original_name="big.txt", kind="text", size=len(text), sha256="b"
                )
                document.file.save("big.txt", ContentFile(text.encode()), save=False)
                document.save()
                started = time.perf_counter()
                while len(runs) < options["max_runs"]:
                    run_start = time.perf_counter()
                    try:
                        ingest.run(document, deadline=time.monotonic() + options["budget"])
                        finished = True
                    except ingest.IngestPaused:
                        finished = False
                    document.refresh_from_db()
                    runs.append({"seconds": round(time.perf_counter() - run_start, 1), "done": document.progress_done})
                    self.stdout.write(
                        f"run {len(runs)}: {runs[-1]['seconds']} s, {document.progress_done}/"
                        f"{document.progress_total} {document.stage}; {_load()}"
                    )
                    if finished:
                        break
                total = time.perf_counter() - started
                chunks = document.chunk_count
                self.stdout.write(
                    f"{document.status}: {chunks} chunks in {total:.0f} s over {len(runs)} runs "
                    f"({chunks / total:.1f} chunks/s); {_load()}"
                )
                figures = {"mb": options["mb"], "budget_s": options["budget"], "chunks": chunks, "runs": runs}
                figures.update(seconds=round(total, 1), status=document.status, load=os.getloadavg())
                Path(options["json"]).write_text(json.dumps(figures, indent=2))
            finally:
                owner.delete()
                index.drop_all()
