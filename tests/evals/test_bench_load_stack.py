"""bench_load against live_server with the real Celery worker: a few askers for a few seconds, one upload.

The app runs on live_server (a thread of this process, the test database); the worker process answers
with the in-process local models and ingests the upload; retrieval on the real Chroma server.
"""

import json
import shutil

import pytest
from django.core.management import call_command

from rag_app.evals.management.commands.bench_load import GOLDEN

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.stack]


def test_a_short_load_run_reports_every_question_final_and_the_upload_ready(worker, live_server, tmp_path, settings):
    settings.ANSWER_ADMISSION = True  # as deployed (off in the other tests)
    settings.ANSWER_WORKERS = 4  # the test worker's threads
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(GOLDEN / "corpus" / "brackwater-ferry.txt", corpus)
    questions = tmp_path / "golden.jsonl"
    rows = [
        {"question": "How long does the Brackwater ferry crossing take?", "expected_source": "brackwater-ferry.txt"},
        {"question": "When does the last ferry leave Tollen Island?", "expected_source": "brackwater-ferry.txt"},
    ]
    questions.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = tmp_path / "load.json"

    call_command(
        "bench_load",
        *("--app-url", live_server.url, "--askers", "2", "--seconds", "3", "--uploads", "1"),
        *("--client-timeout", "240", "--drain", "120", "--corpus", str(corpus), "--questions", str(questions)),
        *("--json", str(out)),
    )

    report = json.loads(out.read_text())
    asks, server, uploads = report["asks"], report["server"], report["uploads"]
    assert asks["asks"] >= 2
    assert asks["by_mode"] == {"stream": asks["asks"] - asks["by_mode"].get("wait", 0), "wait": asks["by_mode"]["wait"]}
    assert asks["by_mode"]["wait"] >= 1  # one asker of each kind
    assert asks["http_5xx"] == 0, asks
    assert asks["client_timeouts"] == 0
    assert asks["final_before_client_timeout"] == asks["asks"]
    assert asks["final_states"]["done"] >= 1
    assert 0 < asks["latency_p50_s"] <= asks["latency_p95_s"]
    assert server["answers"] == asks["asks"]  # every question asked has its row, and each ended
    assert server["not_final"] == server["final_after_client_timeout"] == 0
    assert uploads == {**uploads, "uploads": 1, "ready": 1, "failed": 0, "not_final": 0}
    assert uploads["ready_p50_s"] > 0
    assert isinstance(report["load_average"]["start"], float)
    assert report["verdict"]["no_5xx"] is True
    assert report["verdict"]["every_answer_final_in_time"] is True
