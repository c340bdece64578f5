"""bench_load's figures from outcomes made by hand (fast), and its bad input refused."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from rag_app.evals.bench import load
from rag_app.evals.bench.load import AskOutcome, ServerAnswer, UploadOutcome


def _ask(mode, seconds, code=200, final="done", reason="", timed_out=False, retry_after="", error=""):
    return AskOutcome(mode, 100.0, 100.0 + seconds, code, final, reason, timed_out, retry_after, None, error)


ASKS = [
    _ask("stream", 1.0),
    _ask("stream", 2.0),
    _ask("wait", 3.0),
    _ask("wait", 4.0),
    _ask("stream", 9.0, final="cancelled", reason="timeout: No answer within 60 s"),
    _ask("wait", 5.0, code=503, final="failed", reason="provider_unavailable: x"),
    _ask("wait", 1.0, code=429, final="refused", reason="busy: try again", retry_after="7"),
    _ask("wait", 60.0, code=None, final="", timed_out=True, error="ReadTimeout"),
    _ask("stream", 0.1, code=429, final="", retry_after="2"),
    _ask("stream", 0.2, code=None, final="", error="ConnectError: refused"),
]


def test_asks_count_codes_5xx_final_states_timeouts_and_percentiles():
    figures = load.summarize_asks(ASKS)
    assert figures["asks"] == 10
    assert figures["by_mode"] == {"stream": 5, "wait": 5}
    assert figures["status_codes"] == {"200": 5, "429": 2, "503": 1, "none": 2}
    assert figures["http_5xx"] == 1
    assert figures["http_429"] == 2
    assert figures["refused_busy_with_retry_after"] == 1
    assert figures["throttled"] == 1  # a 429 that is not admission control's "busy" (e.g. a throttle)
    assert figures["final_before_client_timeout"] == 7
    assert figures["final_states"] == {"done": 4, "failed": 1, "cancelled": 1, "refused": 1}
    assert figures["not_done_reasons"] == {
        "cancelled: timeout: No answer within 60 s": 1,
        "failed: provider_unavailable: x": 1,
        "refused: busy: try again": 1,
    }
    assert figures["client_timeouts"] == 1
    assert figures["transport_errors"] == 1
    # Latencies of the 6 answers told in time (not the quick refusal): 1, 2, 3, 4, 5, 9 -> p50 3.5;
    # p95 = 5 + 0.75 * (9 - 5)
    assert figures["latency_p50_s"] == 3.5
    assert figures["latency_p95_s"] == pytest.approx(8.0)
    # Done only: 1, 2, 3, 4 -> p50 2.5, p95 3.85
    assert figures["done_latency_p50_s"] == 2.5
    assert figures["done_latency_p95_s"] == pytest.approx(3.85)


def test_server_rows_split_final_in_time_late_and_never():
    rows = [
        ServerAnswer("done", 3.0),
        ServerAnswer("cancelled", 58.0),
        ServerAnswer("done", 61.5),  # its client (60 s) had given up
        ServerAnswer("streaming", None),
        ServerAnswer("failed", 12.0, "provider down"),
    ]
    figures = load.summarize_server(rows, client_timeout=60.0)
    assert figures["answers"] == 5
    assert figures["states"] == {"cancelled": 1, "done": 2, "failed": 1, "streaming": 1}
    assert figures["final_within_client_timeout"] == 3
    assert figures["final_after_client_timeout"] == 1
    assert figures["not_final"] == 1
    assert figures["slowest_final_s"] == 61.5


def test_uploads_count_ready_failed_pending_and_time_to_ready():
    uploads = [
        UploadOutcome(201, 1, "ready", 4.0),
        UploadOutcome(201, 2, "ready", 10.0),
        UploadOutcome(201, 3, "failed", 2.0, ""),
        UploadOutcome(201, 4, "processing"),
        UploadOutcome(None, error="ConnectError"),
    ]
    figures = load.summarize_uploads(uploads)
    assert figures["status_codes"] == {"201": 4, "none": 1}
    assert (figures["ready"], figures["failed"], figures["not_final"]) == (2, 1, 2)
    assert figures["ready_p50_s"] == 7.0
    assert figures["ready_max_s"] == 10.0


def _report(asks, rows):
    report = {
        "askers": 2,
        "seconds": 5,
        "client_timeout": 60.0,
        "load_average": {"start": 1.0, "end": 2.0},
        "asks": load.summarize_asks(asks),
        "server": load.summarize_server(rows, 60.0),
        "uploads": load.summarize_uploads([]),
    }
    report["verdict"] = load.verdict(report)
    return report


def test_the_verdict_wants_no_5xx_and_every_answer_told_in_time():
    good = _report(ASKS[:5], [ServerAnswer("done", 1.0)] * 4 + [ServerAnswer("cancelled", 9.0)])
    assert good["verdict"] == {"no_5xx": True, "every_answer_final_in_time": True}
    a_503 = _report(ASKS[:6], [ServerAnswer("done", 1.0)])
    assert a_503["verdict"] == {"no_5xx": False, "every_answer_final_in_time": True}
    busy = _report([*ASKS[:5], ASKS[6]], [ServerAnswer("done", 1.0)])
    assert busy["verdict"] == {"no_5xx": True, "every_answer_final_in_time": True}
    throttled = _report([*ASKS[:5], ASKS[8]], [ServerAnswer("done", 1.0)])
    assert throttled["verdict"]["every_answer_final_in_time"] is True  # a throttled question was never asked
    timed_out = _report([ASKS[0], ASKS[7]], [ServerAnswer("done", 1.0)])
    assert timed_out["verdict"]["every_answer_final_in_time"] is False
    late_row = _report(ASKS[:1], [ServerAnswer("done", 70.0)])
    assert late_row["verdict"]["every_answer_final_in_time"] is False
    text = "\n".join(load.lines(good))
    assert "5xx 0" in text
    assert "load average (1 min) at start 1.0, at end 2.0" in text


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--askers", "0"], "--askers must be at least 1"),
        (["--questions", "/nonexistent.jsonl"], "/nonexistent.jsonl"),
        (["--app-url", "http://127.0.0.1:9"], "No app answers at http://127.0.0.1:9"),
    ],
)
def test_bench_load_refuses_bad_input(args, message):
    with pytest.raises(CommandError, match=message):
        call_command("bench_load", *args)
