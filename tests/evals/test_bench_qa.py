"""manage.py bench_qa, run the way its docs say (scripts/bench-qa), against the real vLLM CPU chat server.

The script starts the deployed shape of the app (gunicorn, a Celery worker, PostgreSQL, Redis, Chroma) on
ports of its own; the command asks through it over HTTP and straight to the server, and reports figures
that can only come from real timings.
"""

import json
import os
import subprocess

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.processes import ROOT, free_port

pytestmark = pytest.mark.usefixtures("vllm_servers")

QUESTIONS = [
    {"question": "How long does the Brackwater ferry crossing take?", "expected_source": "brackwater-ferry.txt"},
    {"question": "Who created the Quillfeather language?", "expected_source": "quillfeather-language.md"},
    {"question": "What is the capital city of Australia?", "expected_source": None},  # off-topic: not asked
]


def test_bench_qa_measures_the_app_against_the_server(tmp_path):
    golden = tmp_path / "golden.jsonl"
    golden.write_text("".join(json.dumps(q) + "\n" for q in QUESTIONS))
    out = tmp_path / "bench.json"
    env = dict(
        os.environ,
        WEB_PORT=str(free_port()),
        CHROMA_PORT=str(free_port()),
        BENCH_DATA_DIR=str(tmp_path / "var"),
        BENCH_DATABASE="rag_bench_qa_test",
        BENCH_REDIS_URL="redis://127.0.0.1:6379/8",
    )
    args = ["--concurrency", "1,2", "--requests", "2", "--questions", str(golden), "--json", str(out)]
    run = subprocess.run(
        [str(ROOT / "scripts" / "bench-qa"), *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    report = json.loads(out.read_text())
    assert report["provider"] == "vllm"
    assert [row["concurrency"] for row in report["levels"]] == [1, 2]
    for row in report["levels"]:
        app, direct = row["app"], row["direct"]
        assert app["requests"] == direct["requests"] == 2
        assert app["errors"] == direct["errors"] == 0, row["errors"]
        assert app["output_tokens"] > 0
        assert direct["output_tokens"] > 0
        assert 0 < app["ttft_p50_ms"] <= app["e2e_p50_ms"]
        assert 0 < direct["ttft_p50_ms"] <= direct["e2e_p50_ms"]
        # The app's own time is what the client waited beyond the model's generation: positive, and less
        # than the whole wait.
        assert 0 < row["app_added_p50_ms"] < app["e2e_p50_ms"]
        assert 1 <= app["server_running_peak"] <= row["concurrency"]  # the server's own count, sampled
        assert row["plumbing_p50_ms"] <= row["app_added_p50_ms"]
        assert row["retrieval_p50_ms"] > 0
        expected = app["output_tokens_per_s"] / direct["output_tokens_per_s"]
        assert row["throughput_ratio_tokens"] == pytest.approx(expected, rel=1e-3)
    assert "app tok/s" in run.stdout


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--concurrency", "1,x"], "not a comma-separated list"),
        (["--concurrency", "0"], "at least 1"),
        (["--questions", "/nonexistent.jsonl"], "/nonexistent.jsonl"),
    ],
)
def test_bench_qa_refuses_bad_input(args, message, settings):
    settings.LLM_PROVIDER = "vllm"
    with pytest.raises(CommandError, match=message):
        call_command("bench_qa", *args)


@pytest.mark.django_db
def test_bench_qa_needs_a_served_chat_model_and_a_running_app(settings):
    settings.LLM_PROVIDER = "local"
    with pytest.raises(CommandError, match="LLM_PROVIDER=vllm"):
        call_command("bench_qa")
    settings.LLM_PROVIDER = "vllm"
    with pytest.raises(CommandError, match=r"No app answers at http://127\.0\.0\.1:9"):
        call_command("bench_qa", "--app-url", "http://127.0.0.1:9")
