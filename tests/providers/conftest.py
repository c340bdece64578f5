"""Fixtures for provider tests: a clean breaker and config cache for every test."""

import pytest

from rag_app.providers import breaker, config, fingerprint


@pytest.fixture(autouse=True)
def _fresh_provider_state():
    breaker.reset_all()
    config.invalidate()
    fingerprint.forget()
    yield
    breaker.reset_all()
    config.invalidate()
    fingerprint.forget()
