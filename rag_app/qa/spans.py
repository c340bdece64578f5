"""Where an answer's time goes: named stage durations in milliseconds, kept in its provenance (Answer.checks)."""

from __future__ import annotations

import contextlib
import math
import threading
import time
from collections.abc import Iterator


class Spans:
    """Durations by stage name; stages timed in parallel threads may be recorded at once (thread-safe)."""

    def __init__(self) -> None:
        self._ms: dict[str, float] = {}
        self._lock = threading.Lock()

    @contextlib.contextmanager
    def span(self, name: str) -> Iterator[None]:
        """Time the block and add it to the stage's total."""
        started = time.monotonic()
        try:
            yield
        finally:
            self.add(name, (time.monotonic() - started) * 1000)

    def add(self, name: str, ms: float) -> None:
        """Add ms to the stage's total."""
        with self._lock:
            self._ms[name] = self._ms.get(name, 0.0) + max(ms, 0.0)

    def as_dict(self) -> dict[str, float]:
        """The stored form: ms rounded down to 0.1 (so a sum never exceeds the time it was measured in)."""
        with self._lock:
            return {name: math.floor(ms * 10) / 10 for name, ms in self._ms.items()}
