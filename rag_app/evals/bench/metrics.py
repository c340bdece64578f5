"""Client-side request timings and the statistics computed from them (pure, no I/O)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass
class RequestResult:
    """What the client saw of one request: when it was sent, when tokens arrived, how it ended."""

    ok: bool
    start: float  # time.perf_counter() when the request was sent
    end: float  # when the last byte/token arrived (or the error)
    first_token: float | None = None  # perf_counter of the first content token
    token_times: list[float] = field(default_factory=list)  # perf_counter per streamed content chunk
    output_tokens: int = 0
    error: str = ""

    @property
    def latency(self) -> float:
        """End-to-end seconds from sending to the last token."""
        return self.end - self.start

    @property
    def ttft(self) -> float | None:
        """Seconds to the first content token, None when none arrived."""
        return None if self.first_token is None else self.first_token - self.start

    @property
    def tpot(self) -> float | None:
        """Seconds per output token after the first (vLLM's TPOT), None with fewer than two tokens."""
        if self.ttft is None or self.output_tokens < 2:
            return None
        return (self.latency - self.ttft) / (self.output_tokens - 1)

    @property
    def inter_token_latencies(self) -> list[float]:
        """Gaps between consecutive streamed chunks (vLLM's ITL)."""
        return [later - earlier for earlier, later in zip(self.token_times, self.token_times[1:], strict=False)]


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0-100) with linear interpolation between ranks, as numpy's default; None if empty."""
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def _ms(value: float | None) -> float | None:
    return None if value is None else round(value * 1000, 3)


def summarize(results: Sequence[RequestResult], wall_seconds: float) -> dict[str, float | int | None]:
    """Throughput over the wall time and latency percentiles (in ms) over the successful requests."""
    done = [r for r in results if r.ok]
    ttfts = [t for r in done if (t := r.ttft) is not None]
    itls = [gap for r in done for gap in r.inter_token_latencies]
    tpots = [t for r in done if (t := r.tpot) is not None]
    e2e = [r.latency for r in done]
    tokens = sum(r.output_tokens for r in done)
    per_s = (lambda n: n / wall_seconds) if wall_seconds > 0 else (lambda n: None)
    return {
        "requests": len(results),
        "errors": len(results) - len(done),
        "wall_s": round(wall_seconds, 6),
        "requests_per_s": per_s(len(done)),
        "output_tokens": tokens,
        "output_tokens_per_s": per_s(tokens),
        "ttft_p50_ms": _ms(percentile(ttfts, 50)),
        "ttft_p95_ms": _ms(percentile(ttfts, 95)),
        "ttft_p99_ms": _ms(percentile(ttfts, 99)),
        "itl_p50_ms": _ms(percentile(itls, 50)),
        "itl_p95_ms": _ms(percentile(itls, 95)),
        "tpot_p50_ms": _ms(percentile(tpots, 50)),
        "e2e_p50_ms": _ms(percentile(e2e, 50)),
        "e2e_p95_ms": _ms(percentile(e2e, 95)),
        "e2e_p99_ms": _ms(percentile(e2e, 99)),
    }
