"""What a load run saw, client side and server side, and the figures computed from it (pure, no I/O)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rag_app.evals.bench.metrics import percentile

FINAL_STATES = ("done", "failed", "cancelled")
TOLD_STATES = (*FINAL_STATES, "refused")  # refused: a quick "busy" (admission control), no answer was kept


@dataclass
class AskOutcome:
    """One question as its client saw it.

    `final` is the state the client was told before it gave up (done, failed or cancelled, with the reason
    in `reason`; refused for a quick "busy"), or "" when it got none: its timeout came first (`timed_out`)
    or the request broke.
    """

    mode: str  # "stream" or "wait"
    start: float  # time.monotonic() when sent
    end: float  # when the client had its final word, gave up, or failed
    status_code: int | None = None  # HTTP status; None when no response came
    final: str = ""
    reason: str = ""
    timed_out: bool = False
    retry_after: str = ""  # the Retry-After header of a refusal, if any
    answer_id: int | None = None
    error: str = ""  # a transport error or an unreadable response

    @property
    def latency(self) -> float:
        """Seconds from sending to the end."""
        return self.end - self.start


@dataclass
class UploadOutcome:
    """One document uploaded during the run, and what became of it."""

    status_code: int | None
    document_id: int | None = None
    status: str = ""  # the document's last status seen
    seconds_to_final: float | None = None  # from the upload to ready or failed
    error: str = ""


@dataclass(frozen=True)
class ServerAnswer:
    """An answer's row after the run: its final state and how long after the question it got there."""

    status: str
    seconds: float | None  # finished_at - created_at; None while not final
    error: str = ""


def _counts(values: Sequence[object]) -> dict[str, int]:
    return {str(k): v for k, v in sorted(Counter(values).items(), key=lambda kv: str(kv[0]))}


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def summarize_asks(asks: Sequence[AskOutcome]) -> dict[str, object]:
    """Status codes, 5xx, final states told in time and client timeouts, latency over the answers told in time."""
    codes = [a.status_code if a.status_code is not None else "none" for a in asks]
    told = [a for a in asks if a.final and not a.timed_out]
    reasons = Counter(f"{a.final}: {a.reason}" for a in told if a.final != "done" and a.reason)
    latencies = [a.latency for a in told if a.final != "refused"]  # an answer's wait, not a quick refusal
    done = [a.latency for a in told if a.final == "done"]
    return {
        "asks": len(asks),
        "by_mode": _counts([a.mode for a in asks]),
        "status_codes": _counts(codes),
        "http_5xx": sum(1 for a in asks if a.status_code is not None and a.status_code >= 500),
        "http_429": sum(1 for a in asks if a.status_code == 429),
        "refused_busy_with_retry_after": sum(1 for a in asks if a.final == "refused" and a.retry_after),
        "throttled": sum(1 for a in asks if a.status_code == 429 and a.final != "refused"),
        "final_before_client_timeout": len(told),
        "final_states": {state: sum(1 for a in told if a.final == state) for state in TOLD_STATES},
        "not_done_reasons": dict(reasons.most_common(5)),
        "client_timeouts": sum(1 for a in asks if a.timed_out),
        "transport_errors": sum(1 for a in asks if a.error and not a.timed_out and a.status_code is None),
        "latency_p50_s": _rounded(percentile(latencies, 50)),
        "latency_p95_s": _rounded(percentile(latencies, 95)),
        "done_latency_p50_s": _rounded(percentile(done, 50)),
        "done_latency_p95_s": _rounded(percentile(done, 95)),
    }


def summarize_server(answers: Sequence[ServerAnswer], client_timeout: float) -> dict[str, object]:
    """The answers' rows: final within the client's timeout, final only after it, and never final."""
    final = [a for a in answers if a.status in FINAL_STATES and a.seconds is not None]
    late = [a for a in final if a.seconds is not None and a.seconds > client_timeout]
    return {
        "answers": len(answers),
        "states": _counts([a.status for a in answers]),
        "final_within_client_timeout": len(final) - len(late),
        "final_after_client_timeout": len(late),
        "not_final": len(answers) - len(final),
        "slowest_final_s": _rounded(max((a.seconds for a in final if a.seconds is not None), default=None)),
    }


def summarize_uploads(uploads: Sequence[UploadOutcome]) -> dict[str, object]:
    """Uploads accepted, reaching ready, failing, and the time to ready."""
    ready = [u.seconds_to_final for u in uploads if u.status == "ready" and u.seconds_to_final is not None]
    return {
        "uploads": len(uploads),
        "status_codes": _counts([u.status_code if u.status_code is not None else "none" for u in uploads]),
        "ready": sum(1 for u in uploads if u.status == "ready"),
        "failed": sum(1 for u in uploads if u.status == "failed"),
        "not_final": sum(1 for u in uploads if u.status not in ("ready", "failed")),
        "ready_p50_s": _rounded(percentile(ready, 50)),
        "ready_max_s": _rounded(max(ready, default=None)),
    }


def verdict(report: Mapping[str, Any]) -> dict[str, bool]:
    """The issue's target: no 5xx, and every question told a final state before its client's timeout."""
    asks, server = report["asks"], report["server"]
    return {
        "no_5xx": asks["http_5xx"] == 0,
        "every_answer_final_in_time": asks["client_timeouts"] == 0
        and asks["transport_errors"] == 0
        and asks["final_before_client_timeout"] == asks["asks"] - asks["throttled"]
        and server["final_after_client_timeout"] == 0
        and server["not_final"] == 0,
    }


def lines(report: Mapping[str, Any]) -> list[str]:
    """The report as a few readable lines."""
    asks, server, uploads, load = (report[k] for k in ("asks", "server", "uploads", "load_average"))
    return [
        f"{report['askers']} askers (questions by mode {asks['by_mode']}) for {report['seconds']} s, client timeout "
        f"{report['client_timeout']} s: {asks['asks']} questions, status codes {asks['status_codes']}, "
        f"5xx {asks['http_5xx']}, 429 {asks['http_429']} (busy with Retry-After "
        f"{asks['refused_busy_with_retry_after']}, throttled {asks['throttled']})",
        f"told a final state in time: {asks['final_before_client_timeout']} {asks['final_states']}; "
        f"client timeouts {asks['client_timeouts']}; transport errors {asks['transport_errors']}",
        f"reasons: {asks['not_done_reasons'] or '-'}",
        f"latency p50/p95 {asks['latency_p50_s']}/{asks['latency_p95_s']} s "
        f"(done only {asks['done_latency_p50_s']}/{asks['done_latency_p95_s']} s)",
        f"server rows: {server['states']}, final after the client's timeout {server['final_after_client_timeout']}, "
        f"never final {server['not_final']}, slowest {server['slowest_final_s']} s",
        f"uploads: {uploads['uploads']} {uploads['status_codes']}, ready {uploads['ready']}, failed "
        f"{uploads['failed']}, not final {uploads['not_final']}, to ready p50/max "
        f"{uploads['ready_p50_s']}/{uploads['ready_max_s']} s",
        f"load average (1 min) at start {load['start']}, at end {load['end']}; verdict {report['verdict']}",
    ]
