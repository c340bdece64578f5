"""`manage.py benchmark_providers` end to end: the real vLLM CPU servers, the local models, the Ollama double.

The Ollama runs prove only that the ollama provider is driven (a double, because no Ollama binary
exists in any registry this machine reaches); its figures mean nothing and are never reported.
"""

import json

import pytest
from django.core.management import call_command

from rag_app.providers.models import ProviderCall

SMALL = ["--questions", "3", "--max-tokens", "8", "--embed-inputs", "6", "--batch-size", "3", "--warmup", "1"]
# Short contexts keep the in-process model's prompt processing (seconds per built-in prompt on 2 cores) out of CI.
QUESTIONS = [
    {"question": "How long is the crossing?", "context": "The Brackwater ferry crossing takes 35 minutes."},
    {"question": "Who founded the cooperative?", "context": "Ilse Marrow founded the Lumen Orchard Cooperative."},
    {"question": "How many vowels are there?", "context": "The Quillfeather language has 14 vowels."},
]


def run(tmp_path, *args):
    questions = tmp_path / "questions.jsonl"
    questions.write_text("\n".join(json.dumps(q) for q in QUESTIONS))
    call_command(
        "benchmark_providers", *SMALL, "--question-file", str(questions), "--out", str(tmp_path), "--no-progress", *args
    )
    return json.loads((tmp_path / "results.json").read_text())


def rows(result, provider, role, mode):
    return [r for r in result["results"] if (r["provider"], r["role"], r["mode"]) == (provider, role, mode)]


@pytest.mark.usefixtures("vllm_servers")
def test_vllm_against_local_writes_json_table_plots_and_the_comparison(tmp_path):
    result = run(tmp_path, "--providers", "vllm,local", "--concurrency", "1,2", "--compare", "local:vllm")

    for name in ("results.json", "results.md", "chat_throughput.png", "chat_latency.png", "embeddings.png"):
        assert (tmp_path / name).stat().st_size > 0
    assert (tmp_path / "chat_latency.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    table = (tmp_path / "results.md").read_text()
    assert "| vllm | 2 | 3 | 0 |" in table
    assert "meets 3x:" in table

    for provider in ("vllm", "local"):
        chat = rows(result, provider, "chat", "stream")
        assert [r["concurrency"] for r in chat] == [1, 2]
        for r in chat:
            assert (r["requests"], r["errors"]) == (3, 0)
            assert 0 < r["ttft_p50_ms"] <= r["e2e_p50_ms"]
            assert r["ttft_p50_ms"] <= r["ttft_p95_ms"] <= r["ttft_p99_ms"]
            assert r["itl_p50_ms"] > 0
            assert 3 <= r["output_tokens"] <= 3 * 8
            # throughput is the measured count over the measured wall time, not a constant
            assert r["output_tokens_per_s"] == pytest.approx(r["output_tokens"] / r["wall_s"], rel=1e-3)
            assert r["requests_per_s"] == pytest.approx(3 / r["wall_s"], rel=1e-3)
            assert r["e2e_p99_ms"] <= r["wall_s"] * 1000
        assert chat[0]["e2e_p50_ms"] != chat[1]["e2e_p50_ms"]
        for mode, batch in (("unbatched", 1), ("batched", 3)):
            for r in rows(result, provider, "embeddings", mode):
                assert (r["batch_size"], r["inputs"], r["errors"]) == (batch, 6, 0)
                assert r["inputs_per_s"] == pytest.approx(6 / r["wall_s"], rel=1e-3)
                assert r["ttft_p50_ms"] is None

    comparisons = result["comparisons"]
    assert {(c["role"], c["mode"], c["concurrency"]) for c in comparisons} == {
        (role, mode, c)
        for role, mode in [("chat", "stream"), ("embeddings", "unbatched"), ("embeddings", "batched")]
        for c in (1, 2)
    }
    first = next(c for c in comparisons if c["role"] == "chat" and c["concurrency"] == 2)
    vllm, local = rows(result, "vllm", "chat", "stream")[1], rows(result, "local", "chat", "stream")[1]
    assert first["throughput_ratio"] == pytest.approx(vllm["requests_per_s"] / local["requests_per_s"])
    assert first["meets_3x"] == (first["throughput_ratio"] >= 3)

    # --from-json re-reports without running anything
    again = tmp_path / "again"
    call_command("benchmark_providers", "--from-json", str(tmp_path / "results.json"), "--out", str(again))
    assert json.loads((again / "results.json").read_text())["results"] == result["results"]


def test_the_ollama_provider_is_driven_and_its_delays_show_in_the_timings(tmp_path, ollama_double, settings):
    settings.OLLAMA_URL = ollama_double.url
    settings.OLLAMA_CHAT_MODEL = "llama3.2:3b"
    settings.OLLAMA_EMBED_MODEL = "nomic-embed-text"
    ollama_double.delay = 0.05  # before each answer: a floor under TTFT and latency
    ollama_double.chunk_delay = 0.01  # between streamed pieces: a floor under ITL

    result = run(tmp_path, "--providers", "ollama", "--concurrency", "1,2")

    assert len(ollama_double.requests_to("/api/chat")) == 1 + 3 * 2  # warm-up, then 3 questions at 2 levels
    assert all(r.body["stream"] is not False for r in ollama_double.requests_to("/api/chat"))
    for r in rows(result, "ollama", "chat", "stream"):
        assert r["errors"] == 0
        assert r["ttft_p50_ms"] >= 50
        assert r["itl_p50_ms"] >= 10
        assert r["output_tokens"] > 0
    embedded = [len(r.body["input"]) for r in ollama_double.requests_to("/api/embed")]
    assert embedded.count(1) == 6 * 2  # unbatched: one text a request at each level
    assert embedded.count(3) == 1 + 2 * 2  # warm-up batch, then two batches of 3 at each level


def test_failed_requests_are_counted_not_fatal(tmp_path, ollama_double, settings):
    settings.OLLAMA_URL = ollama_double.url
    settings.OLLAMA_CHAT_MODEL = "llama3.2:3b"
    ollama_double.fail_next(2, status=500)

    result = run(tmp_path, "--providers", "ollama", "--roles", "chat", "--concurrency", "1", "--warmup", "0")

    (row,) = result["results"]
    assert (row["requests"], row["errors"]) == (3, 2)
    assert row["requests_per_s"] == pytest.approx(1 / row["wall_s"], rel=1e-3)
    assert row["error_samples"]


@pytest.mark.django_db(transaction=True)
def test_layer_sends_the_requests_through_the_apps_provider_path(tmp_path, ollama_double, settings):
    settings.OLLAMA_URL = ollama_double.url
    settings.OLLAMA_CHAT_MODEL = "llama3.2:3b"

    result = run(tmp_path, "--providers", "ollama", "--roles", "chat", "--concurrency", "1", "--warmup", "0", "--layer")

    (row,) = result["results"]
    assert result["meta"]["layer"] is True
    assert row["errors"] == 0
    # The bare adapter logs nothing; the provider layer keeps a call-log row per request, as for the app.
    logged = ProviderCall.objects.filter(role="chat", kind="ollama", ok=True)
    assert logged.count() == 3
    assert all(call.first_token_ms is not None for call in logged)
