"""Ollama's streamed answers wait at most PROVIDER_FIRST_TOKEN_TIMEOUT for each piece (issue 18, item 4).

Ollama cannot run here: these tests use the protocol-faithful Ollama double (tests/doubles/ollama.py),
whose `delay` holds the response back after accepting the request (a server that accepts and never
answers) and whose `chunk_delay` stalls between streamed pieces.
"""

import time

import pytest

from rag_app.providers.base import Endpoint, Message, ProviderError
from rag_app.providers.ollama import OllamaChatModel, OllamaEmbedder, client_for

CHAT, EMBED = "llama3.2:3b", "nomic-embed-text"
QUESTION = [Message("user", "What is the total budget?")]


def _chat(double, timeout: float = 30.0) -> OllamaChatModel:
    return OllamaChatModel(Endpoint(kind="ollama", model=CHAT, base_url=double.url, timeout=timeout))


def test_a_server_that_accepts_and_never_answers_fails_after_the_first_token_timeout(ollama_double, settings):
    settings.PROVIDER_FIRST_TOKEN_TIMEOUT = 0.5
    ollama_double.delay = 20  # far past the first-token timeout, well within the endpoint's 30 s

    started = time.monotonic()
    with pytest.raises(ProviderError) as caught:
        list(_chat(ollama_double).stream(QUESTION, max_tokens=20, temperature=0.0))
    waited = time.monotonic() - started

    assert waited < 5  # before: the whole 30 s PROVIDER_TIMEOUT
    assert caught.value.permanent is False  # transient: the caller retries or fails over
    assert str(caught.value) == (
        f"Ollama at {ollama_double.url} sent nothing for 0.5 s while generating an answer with '{CHAT}' "
        "(PROVIDER_FIRST_TOKEN_TIMEOUT): it may be hung or overloaded; retry, or raise the timeout"
    )


def test_a_stream_that_stalls_between_tokens_fails_too(ollama_double, settings):
    settings.PROVIDER_FIRST_TOKEN_TIMEOUT = 0.5
    ollama_double.chunk_delay = 3
    deltas = _chat(ollama_double).stream(QUESTION, max_tokens=20, temperature=0.0)
    assert next(deltas).text  # the first piece came at once

    with pytest.raises(ProviderError, match=r"sent nothing for 0\.5 s"):
        next(deltas)


def test_a_slow_but_steady_stream_and_a_slow_embedding_are_not_cut(ollama_double, settings):
    settings.PROVIDER_FIRST_TOKEN_TIMEOUT = 0.5
    ollama_double.chunk_delay = 0.1  # each piece well within the first-token timeout
    deltas = list(_chat(ollama_double).stream(QUESTION, max_tokens=20, temperature=0.0))
    assert deltas[-1].usage is not None
    ollama_double.chunk_delay = 0
    ollama_double.delay = 1.0  # one whole response after 1 s: only the endpoint's timeout applies
    vectors = OllamaEmbedder(Endpoint(kind="ollama", model=EMBED, base_url=ollama_double.url, timeout=30)).embed_batch(
        ["a", "b"]
    )
    assert len(vectors) == 2


def test_streaming_and_whole_response_clients_are_separate_pools(settings):
    settings.PROVIDER_FIRST_TOKEN_TIMEOUT = 0.5
    endpoint = Endpoint(kind="ollama", model=CHAT, base_url="http://127.0.0.1:1", timeout=30)
    streaming = client_for(endpoint, streaming=True)
    assert streaming is client_for(endpoint, streaming=True)
    assert streaming is not client_for(endpoint)
    assert streaming._client.timeout.read == 0.5
    assert client_for(endpoint)._client.timeout.read == 30
