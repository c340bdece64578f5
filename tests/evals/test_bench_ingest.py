"""manage.py bench_ingest prints its three rates and leaves nothing behind (real local embedder, real Chroma)."""

import pytest

from documents.models import Document
from tests.commands import run_command

pytestmark = [pytest.mark.django_db, pytest.mark.stack]


def test_bench_ingest_prints_the_three_rates(own_collection):
    out = run_command("bench_ingest", "--chunks", "8", "--per-chunk-sample", "4")
    for line in ("one request per chunk", "raw batched embedding", "whole pipeline", "batched / per-chunk"):
        assert line in out
    assert "pipeline, writes in line" in out  # the pipeline before, side by side
    assert out.count("load average") == 2
    assert not Document.objects.exists()
