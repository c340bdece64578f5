"""The benchmark's comparison, questions, report and option checks, with hand-computed numbers."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from rag_app.evals.bench import questions, report
from rag_app.evals.bench.compare import compare, describe


def row(provider, concurrency, requests_per_s, e2e_p50_ms, tokens_per_s=None, role="chat", mode="stream"):
    return {
        "provider": provider,
        "role": role,
        "mode": mode,
        "concurrency": concurrency,
        "requests_per_s": requests_per_s,
        "output_tokens_per_s": tokens_per_s,
        "e2e_p50_ms": e2e_p50_ms,
    }


def test_compare_gives_ratio_reduction_and_verdicts_per_level():
    rows = [
        row("ollama", 1, 0.5, 2000.0, 40.0),
        row("vllm", 1, 1.0, 1500.0, 80.0),  # 2x, 25% lower: meets neither
        row("ollama", 4, 0.5, 8000.0, 40.0),
        row("vllm", 4, 2.0, 4000.0, 200.0),  # 4x, 50% lower: meets both
        row("vllm", 16, 3.0, 5000.0),  # no baseline at 16: no comparison
    ]
    one, four = compare(rows, "ollama", "vllm")
    assert (one["concurrency"], one["throughput_ratio"], one["latency_reduction"]) == (1, 2.0, 0.25)
    assert (one["meets_3x"], one["meets_30pct"]) == (False, False)
    assert (four["throughput_ratio"], four["tokens_per_s_ratio"], four["latency_reduction"]) == (4.0, 5.0, 0.5)
    assert (four["meets_3x"], four["meets_30pct"]) == (True, True)
    assert describe(four) == (
        "chat stream c=4: vllm has 4.00x ollama's throughput (meets 3x: yes), median latency 50% lower (meets 30%: yes)"
    )
    slower = compare([row("local", 1, 1.0, 100.0), row("vllm", 1, 0.5, 120.0)], "local", "vllm")[0]
    assert "median latency 20% higher" in describe(slower)
    assert (
        compare([row("local", 1, 0.0, None), row("vllm", 1, 1.0, 5.0)], "local", "vllm")[0]["throughput_ratio"] is None
    )


def test_builtin_questions_are_rag_prompts_reproducible_by_seed():
    asked = questions.builtin(100, seed=7)
    assert len(asked) == 100
    assert questions.builtin(100, seed=7) == asked
    assert questions.builtin(100, seed=8) != asked
    system, user = asked[0].messages()
    assert (system.role, user.role) == ("system", "user")
    assert all(f"\n[{n}] (" in system.content for n in (1, 2, 3))  # three numbered sources
    assert "[4]" not in system.content
    assert user.content == asked[0].text


def test_question_files_jsonl_and_text(tmp_path):
    jsonl = tmp_path / "q.jsonl"
    jsonl.write_text(
        json.dumps({"question": "Why?", "context": "Because."}) + "\n\n" + json.dumps({"question": "How?"})
    )
    asked = questions.from_file(jsonl, None, seed=1)
    assert sorted(q.text for q in asked) == ["How?", "Why?"]
    why = next(q for q in asked if q.text == "Why?")
    assert why.passages == (("context", "Because."),)
    assert len(next(q for q in asked if q.text == "How?").passages) == 3
    text = tmp_path / "q.txt"
    text.write_text("One?\nTwo?\n")
    assert len(questions.from_file(text, 5, seed=1)) == 5
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"q": 1}\n')
    with pytest.raises(ValueError, match="line 1"):
        questions.from_file(bad, None, seed=1)


def test_markdown_table_cells():
    result = {
        "meta": {"max_tokens": 8},
        "results": [{**row("vllm", 4, 2.5, 1234.5, 12.25), "requests": 10, "errors": 0, "ttft_p50_ms": None}],
    }
    table = report.markdown(result)
    assert "| vllm | 4 | 10 | 0 | - | 2.50 | 12.2 | - |" in table


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--providers", "vllm,openai"], "unknown provider openai"),
        (["--roles", "vision"], "unknown role vision"),
        (["--concurrency", "1,x"], "positive integers"),
        (["--concurrency", "0,4"], "positive integers"),
        (["--question-file", "/nonexistent/questions.jsonl"], "no such file"),
        (["--compare", "vllm:vllm"], "BASELINE:CANDIDATE"),
        (["--questions", "0"], "at least 1"),
        (["--providers", "vllm", "--compare", "local:vllm"], "needs both in --providers"),
    ],
)
def test_bad_options_are_clear_command_errors(args, message, tmp_path):
    with pytest.raises(CommandError, match=message):
        call_command("benchmark_providers", *args, "--out", str(tmp_path))


def test_compare_needs_both_providers_in_the_results(tmp_path):
    saved = tmp_path / "results.json"
    saved.write_text(json.dumps({"meta": {"max_tokens": 8}, "results": [row("vllm", 1, 1.0, 10.0)]}))
    with pytest.raises(CommandError, match="needs both"):
        call_command(
            "benchmark_providers", "--from-json", str(saved), "--compare", "local:vllm", "--out", str(tmp_path)
        )


def test_the_seeds_script_is_the_same_command(tmp_path):
    script = Path(__file__).resolve().parents[1] / "benchmark_vllm_vs_ollama.py"
    saved = tmp_path / "results.json"
    saved.write_text(json.dumps({"meta": {"max_tokens": 8}, "results": [row("vllm", 1, 1.0, 10.0)]}))
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"}
    done = subprocess.run(
        [sys.executable, str(script), "--from-json", str(saved), "--out", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "| vllm | 1 |" in done.stdout
    assert (tmp_path / "out" / "chat_throughput.png").exists()
