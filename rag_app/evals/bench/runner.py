"""Drive a request function over many items with a fixed number in flight, timing the whole run."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from rag_app import db
from rag_app.evals.bench.metrics import RequestResult

T = TypeVar("T")


def _guarded(call: Callable[[T], RequestResult], item: T) -> RequestResult:
    """Call, turning any exception into a failed result so one bad request never aborts the run.

    A connection the call opened (the provider layer logs each call) goes back to the pool, as at the
    end of a request or a task; a thread keeping its own would drain the pool.
    """
    start = time.perf_counter()
    try:
        return call(item)
    except Exception as exc:  # noqa: BLE001 - a benchmark records every failure and keeps going
        return RequestResult(ok=False, start=start, end=time.perf_counter(), error=f"{type(exc).__name__}: {exc}")
    finally:
        db.release_connection()


def run_concurrently(
    call: Callable[[T], RequestResult],
    items: Sequence[T],
    concurrency: int,
    progress: Callable[[], None] | None = None,
) -> tuple[list[RequestResult], float]:
    """Run call over items with `concurrency` threads; the results in item order and the wall seconds."""
    if concurrency < 1:
        raise ValueError(f"concurrency must be at least 1, got {concurrency}")

    def one(item: T) -> RequestResult:
        result = _guarded(call, item)
        if progress:
            progress()
        return result

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="bench") as pool:
        results = list(pool.map(one, items))
    return results, time.perf_counter() - start
