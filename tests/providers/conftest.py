"""Fixtures for provider tests: the Ollama test double (no Ollama binary can be installed on this machine)."""

from collections.abc import Iterator

import pytest

from tests.doubles.ollama import OllamaDouble


@pytest.fixture
def ollama_double() -> Iterator[OllamaDouble]:
    """A fresh Ollama double on a free loopback port with the default models; stopped afterwards.

    Configure it in the test: `ollama_double.models`, `.embed_fn`, `.chat_fn`, `.fail_next(...)`,
    `.delay`, `.chunk_delay`, `.stop()` / `.start()`. A bug inside the double fails the test.
    """
    with OllamaDouble() as double:
        yield double
    assert not double.errors, f"the Ollama test double itself failed: {double.errors}"
