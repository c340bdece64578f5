"""Sample how many requests a vLLM server runs and queues, from its Prometheus /metrics, while a benchmark runs."""

from __future__ import annotations

import re
import threading
from types import TracebackType

import httpx

_GAUGE = re.compile(r"^vllm:num_requests_(running|waiting)\{[^}]*\} ([0-9.eE+-]+)$", re.MULTILINE)


def metrics_url(base_url: str) -> str:
    """VLLM serves /metrics at its root, beside the OpenAI-compatible /v1."""
    return re.sub(r"/v1/?$", "", base_url.rstrip("/")) + "/metrics"


def read_gauges(text: str) -> dict[str, float]:
    """Requests running and waiting, summed over engines, from a /metrics page."""
    gauges = {"running": 0.0, "waiting": 0.0}
    for name, value in _GAUGE.findall(text):
        gauges[name] += float(value)
    return gauges


class LoadSampler:
    """A background thread reading the gauges every `interval` seconds until the block ends (vLLM only)."""

    def __init__(self, base_url: str, *, enabled: bool = True, interval: float = 0.1) -> None:
        self.url, self.interval, self.enabled = metrics_url(base_url), interval, enabled
        self.samples: list[dict[str, float]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="vllm-load", daemon=True)

    def __enter__(self) -> LoadSampler:
        if self.enabled:
            self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self._stop.set()
        if self.enabled:
            self._thread.join()

    def _run(self) -> None:
        with httpx.Client(timeout=2) as client:
            while not self._stop.wait(self.interval):
                try:
                    self.samples.append(read_gauges(client.get(self.url).text))
                except httpx.HTTPError:
                    continue  # a missed sample is not worth failing a benchmark over

    def summary(self) -> dict[str, float | None]:
        """Peak and mean of the requests the server was running, and the peak it kept waiting."""
        running = [s["running"] for s in self.samples]
        return {
            "server_running_peak": max(running, default=None),
            "server_running_mean": round(sum(running) / len(running), 2) if running else None,
            "server_waiting_peak": max((s["waiting"] for s in self.samples), default=None),
        }
