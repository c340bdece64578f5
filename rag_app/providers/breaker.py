"""Circuit breakers: stop sending requests to a server that keeps failing, then probe it back."""

from __future__ import annotations

import threading
import time
from typing import Literal

from django.conf import settings

from rag_app.providers.base import Endpoint

State = Literal["closed", "open", "half-open"]


class CircuitBreaker:
    """Opens after `failures` transient failures in a row; after `cooldown` s lets one probe through."""

    def __init__(self, failures: int, cooldown: float) -> None:
        self.failures = failures
        self.cooldown = cooldown
        self._lock = threading.Lock()
        self._count = 0
        self._opened_at: float | None = None
        self._probing = False

    @property
    def state(self) -> State:
        """closed: calls pass; open: calls are refused; half-open: one probe is allowed or under way."""
        with self._lock:
            return self._state()

    def _state(self) -> State:
        if self._opened_at is None:
            return "closed"
        if self._probing or time.monotonic() - self._opened_at >= self.cooldown:
            return "half-open"
        return "open"

    def allow(self) -> bool:
        """Whether a call may go to this server now (in half-open, only the first caller probes)."""
        with self._lock:
            state = self._state()
            if state == "closed":
                return True
            if state == "half-open" and not self._probing:
                self._probing = True
                return True
            return False

    def record_success(self) -> None:
        """A call succeeded: close the circuit."""
        with self._lock:
            self._count = 0
            self._opened_at = None
            self._probing = False

    def record_failure(self) -> None:
        """A call failed transiently: count it, and open (or re-open after a failed probe)."""
        with self._lock:
            self._count += 1
            if self._probing or self._count >= self.failures:
                self._opened_at = time.monotonic()
                self._probing = False


_lock = threading.Lock()
_breakers: dict[tuple[str, str, str], CircuitBreaker] = {}


def breaker_for(endpoint: Endpoint) -> CircuitBreaker:
    """The breaker for an endpoint, one per process."""
    key = (endpoint.kind, endpoint.base_url, endpoint.model)
    with _lock:
        if key not in _breakers:
            _breakers[key] = CircuitBreaker(settings.CIRCUIT_FAILURES, settings.CIRCUIT_COOLDOWN)
        return _breakers[key]


def reset_all() -> None:
    """Close every breaker (tests, and after an operator fixes a server)."""
    with _lock:
        _breakers.clear()
