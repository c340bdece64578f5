"""The circuit breaker stops calls to a failing server and probes it back after the cooldown."""

import time

from rag_app.providers.breaker import CircuitBreaker


def test_opens_after_consecutive_failures_and_refuses_calls():
    breaker = CircuitBreaker(failures=3, cooldown=60)
    for _ in range(2):
        breaker.record_failure()
    assert breaker.state == "closed"
    assert breaker.allow()
    breaker.record_failure()
    assert breaker.state == "open"
    assert not breaker.allow()


def test_a_success_resets_the_count():
    breaker = CircuitBreaker(failures=2, cooldown=60)
    breaker.record_failure()
    breaker.record_success()
    breaker.record_failure()
    assert breaker.state == "closed"


def test_after_cooldown_one_probe_passes_and_success_closes():
    breaker = CircuitBreaker(failures=1, cooldown=0.05)
    breaker.record_failure()
    assert not breaker.allow()
    time.sleep(0.06)
    assert breaker.state == "half-open"
    assert breaker.allow()  # the probe
    assert not breaker.allow()  # only one at a time
    breaker.record_success()
    assert breaker.state == "closed"
    assert breaker.allow()


def test_a_failed_probe_opens_again():
    breaker = CircuitBreaker(failures=5, cooldown=0.05)
    for _ in range(5):
        breaker.record_failure()
    time.sleep(0.06)
    assert breaker.allow()
    breaker.record_failure()
    assert breaker.state == "open"
    assert not breaker.allow()
