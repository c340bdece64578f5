"""Benchmark statistics against hand-computed numbers, and the concurrency driver with real sleeps."""

import threading
import time

import pytest

from rag_app.evals.bench.metrics import RequestResult, percentile, summarize
from rag_app.evals.bench.runner import run_concurrently


def test_percentile_interpolates_linearly_between_ranks():
    assert percentile([4, 1, 3, 2], 50) == pytest.approx(2.5)
    assert percentile([10, 20, 30, 40, 50], 95) == pytest.approx(48.0)  # rank 3.8
    assert percentile([10, 20, 30, 40, 50], 99) == pytest.approx(49.6)
    assert percentile([10, 20, 30, 40, 50], 0) == 10
    assert percentile([10, 20, 30, 40, 50], 100) == 50
    assert percentile([7.0], 99) == 7.0
    assert percentile([], 50) is None


def test_request_result_derives_ttft_tpot_and_itl_from_its_timestamps():
    result = RequestResult(
        ok=True, start=10.0, end=10.6, first_token=10.1, token_times=[10.1, 10.3, 10.6], output_tokens=3
    )
    assert result.latency == pytest.approx(0.6)
    assert result.ttft == pytest.approx(0.1)
    assert result.tpot == pytest.approx(0.25)  # (0.6 - 0.1) / (3 - 1)
    assert result.inter_token_latencies == pytest.approx([0.2, 0.3])
    assert RequestResult(ok=True, start=0, end=1).ttft is None
    assert RequestResult(ok=True, start=0, end=1, first_token=0.5, output_tokens=1).tpot is None


def test_summarize_by_hand():
    results = [
        RequestResult(ok=True, start=0.0, end=0.6, first_token=0.1, token_times=[0.1, 0.3, 0.6], output_tokens=3),
        RequestResult(ok=True, start=0.0, end=0.5, first_token=0.2, token_times=[0.2, 0.4], output_tokens=2),
        RequestResult(ok=False, start=0.0, end=0.05, error="boom"),
    ]
    summary = summarize(results, wall_seconds=1.0)
    assert summary == pytest.approx(
        {
            "requests": 3,
            "errors": 1,
            "wall_s": 1.0,
            "requests_per_s": 2.0,
            "output_tokens": 5,
            "output_tokens_per_s": 5.0,
            "ttft_p50_ms": 150.0,
            "ttft_p95_ms": 195.0,
            "ttft_p99_ms": 199.0,
            "itl_p50_ms": 200.0,  # gaps 0.2, 0.3, 0.2
            "itl_p95_ms": 290.0,
            "tpot_p50_ms": 275.0,  # 0.25 and 0.3
            "e2e_p50_ms": 550.0,
            "e2e_p95_ms": 595.0,
            "e2e_p99_ms": 599.0,
        }
    )


def test_summarize_with_no_success_has_no_latencies():
    summary = summarize([RequestResult(ok=False, start=0, end=1, error="x")], wall_seconds=1.0)
    assert summary["errors"] == 1
    assert summary["requests_per_s"] == 0
    assert summary["ttft_p50_ms"] is None
    assert summary["e2e_p99_ms"] is None


def _sleeper(seconds):
    def call(item):
        start = time.perf_counter()
        time.sleep(seconds)
        return RequestResult(ok=True, start=start, end=time.perf_counter(), output_tokens=item)

    return call


def test_run_concurrently_keeps_item_order_and_overlaps_requests():
    results, wall = run_concurrently(_sleeper(0.1), [1, 2, 3, 4], concurrency=4)
    assert [r.output_tokens for r in results] == [1, 2, 3, 4]
    assert 0.1 <= wall < 0.35
    _, serial_wall = run_concurrently(_sleeper(0.05), [1, 2, 3, 4], concurrency=1)
    assert serial_wall >= 0.2


def test_run_concurrently_never_has_more_in_flight_than_asked():
    lock, in_flight, peak = threading.Lock(), [0], [0]

    def call(item):
        start = time.perf_counter()
        with lock:
            in_flight[0] += 1
            peak[0] = max(peak[0], in_flight[0])
        time.sleep(0.02)
        with lock:
            in_flight[0] -= 1
        return RequestResult(ok=True, start=start, end=time.perf_counter())

    run_concurrently(call, list(range(12)), concurrency=3)
    assert peak[0] == 3


def test_an_exception_becomes_a_failed_result_and_progress_ticks_for_every_item():
    ticks = []

    def call(item):
        if item == 2:
            raise RuntimeError("server said no")
        return RequestResult(ok=True, start=0, end=1)

    results, _ = run_concurrently(call, [1, 2, 3], concurrency=2, progress=lambda: ticks.append(1))
    assert [r.ok for r in results] == [True, False, True]
    assert results[1].error == "RuntimeError: server said no"
    assert results[1].end >= results[1].start
    assert len(ticks) == 3


def test_run_concurrently_refuses_zero_concurrency():
    with pytest.raises(ValueError, match="at least 1"):
        run_concurrently(_sleeper(0), [1], concurrency=0)


@pytest.mark.django_db(transaction=True)
def test_threads_give_their_database_connection_back(settings):
    """More threads than the pool holds, each querying once per item: none waits for a connection forever."""
    from django.contrib.auth.models import User
    from django.db import connection

    size = connection.settings_dict["OPTIONS"]["pool"]["max_size"]

    def call(_: int) -> RequestResult:
        start = time.perf_counter()
        User.objects.count()
        return RequestResult(ok=True, start=start, end=time.perf_counter())

    results, _ = run_concurrently(call, list(range(3 * (size + 5))), size + 5)
    assert [r.error for r in results if not r.ok] == []
