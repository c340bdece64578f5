"""manage.py bench_relay against the real Redis: every step is timed and nothing is left behind."""

import io
import re

import pytest
from django.core.management import call_command

from rag_app.qa import stream

pytestmark = pytest.mark.django_db


def test_bench_relay_prints_a_positive_cost_per_step_and_cleans_up():
    out = io.StringIO()
    call_command("bench_relay", "--events", "20", stdout=out)
    text = out.getvalue()
    assert "load " in text
    figures = dict(re.findall(r"^  (.+?)\s{2,}([0-9.]+)$", text, re.MULTILINE))
    assert set(figures) >= {"publish, before (MULTI XADD EXPIRE EXEC)", "publish, now (XADD)", "cancel check (MGET)"}
    assert all(float(value) > 0 for value in figures.values()), figures
    client = stream._redis()
    assert client is not None
    assert not client.exists(stream._key(999_999_001))
