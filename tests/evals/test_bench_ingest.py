"""manage.py bench_ingest prints its three rates and leaves nothing behind (real local embedder, real Chroma)."""

from io import StringIO

import pytest
from django.core.management import call_command

from documents.models import Document

pytestmark = [pytest.mark.django_db, pytest.mark.stack]


def run(*args):
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue() + err.getvalue()


def test_bench_ingest_prints_the_three_rates(own_collection):
    out = run("bench_ingest", "--chunks", "8", "--per-chunk-sample", "4")
    for line in ("one request per chunk", "raw batched embedding", "whole pipeline", "batched / per-chunk"):
        assert line in out
    assert not Document.objects.exists()
