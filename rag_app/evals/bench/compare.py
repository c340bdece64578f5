"""The seed's success criteria between two providers: at least 3x the throughput and 30% lower latency."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

THROUGHPUT_TARGET = 3.0  # "3-5x throughput"
LATENCY_TARGET = 0.30  # "30-50% lower latency"


def _ratio(candidate: float | None, baseline: float | None) -> float | None:
    return None if not candidate or not baseline else candidate / baseline


def _reduction(candidate: float | None, baseline: float | None) -> float | None:
    return None if candidate is None or not baseline else 1 - candidate / baseline


def compare(rows: Sequence[dict[str, Any]], baseline: str, candidate: str) -> list[dict[str, Any]]:
    """For each role, mode and concurrency both providers ran: throughput ratio, latency reduction, verdicts.

    Throughput is requests (questions or embedding calls) per second, as in the seed's "100 questions
    in 350 s vs 30-60 s"; latency is the median end-to-end time of one request.
    """
    index = {(r["provider"], r["role"], r["mode"], r["concurrency"]): r for r in rows}
    out = []
    for (provider, role, mode, concurrency), base in index.items():
        cand = index.get((candidate, role, mode, concurrency))
        if provider != baseline or cand is None:
            continue
        ratio = _ratio(cand["requests_per_s"], base["requests_per_s"])
        reduction = _reduction(cand["e2e_p50_ms"], base["e2e_p50_ms"])
        out.append(
            {
                "baseline": baseline,
                "candidate": candidate,
                "role": role,
                "mode": mode,
                "concurrency": concurrency,
                "throughput_ratio": ratio,
                "tokens_per_s_ratio": _ratio(cand["output_tokens_per_s"], base["output_tokens_per_s"]),
                "latency_reduction": reduction,
                "meets_3x": ratio is not None and ratio >= THROUGHPUT_TARGET,
                "meets_30pct": reduction is not None and reduction >= LATENCY_TARGET,
            }
        )
    return out


def _latency(reduction: float | None) -> str:
    if reduction is None:
        return "median latency n/a"
    return f"median latency {abs(reduction) * 100:.0f}% {'lower' if reduction >= 0 else 'higher'}"


def describe(comparison: dict[str, Any]) -> str:
    """One line for a comparison row, e.g. 'chat stream c=4: vllm has 3.10x local's throughput (meets 3x: yes), ...'."""
    c, yes = comparison, {True: "yes", False: "no"}
    ratio = "n/a" if c["throughput_ratio"] is None else f"{c['throughput_ratio']:.2f}x"
    return (
        f"{c['role']} {c['mode']} c={c['concurrency']}: {c['candidate']} has {ratio} {c['baseline']}'s throughput "
        f"(meets 3x: {yes[c['meets_3x']]}), {_latency(c['latency_reduction'])} (meets 30%: {yes[c['meets_30pct']]})"
    )
