"""One timed request through the app's provider layer: a streamed chat answer or an embedding batch."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from rag_app.evals.bench.metrics import RequestResult
from rag_app.providers import kinds, registry
from rag_app.providers.base import ChatModel, Embedder, Endpoint, Message, ProviderError, Repetition, Role
from rag_app.providers.config import RoleConfig


class Prompt(Protocol):
    """Anything that gives the chat messages to send: a benchmark Question, a prompt the app sent."""

    def messages(self) -> list[Message]: ...


def endpoint_for(kind: str, role: Role) -> Endpoint:
    """The endpoint the environment configures for a provider kind in a role (VLLM_URL, OLLAMA_URL...)."""
    endpoint = kinds.env_endpoint(kind, role) if kind in kinds.KINDS else None
    if endpoint is None:
        raise ProviderError(
            f"unknown provider {kind!r} for {role} (choose from {', '.join(kinds.serving(role))})", permanent=True
        )
    return endpoint


def model_for(kind: str, role: Role, *, layer: bool = False) -> Any:
    """The model object for a kind in a role: the bare adapter (the SDK call), or the app's whole path.

    With layer: the in-flight cap, circuit breaker, retries and call log the app goes through (no
    index fingerprint check: a benchmark has no index).
    """
    endpoint = endpoint_for(kind, role)
    if not layer:
        return registry.build(role, endpoint)
    if role == "chat":
        return registry.RoutedChatModel(RoleConfig("chat", endpoint, None))
    return registry.GuardedEmbedder(endpoint)


def timed_chat(
    model: ChatModel,
    question: Prompt,
    *,
    max_tokens: int,
    repetition: Repetition | None = None,
    stop: Callable[[str], bool] | None = None,
) -> RequestResult:
    """Stream one answer at temperature 0, stamping every chunk that carries text as it arrives.

    Output tokens are the server's completion count when it reports one, else the number of chunks.
    repetition: the sampling controls to send (the ones an app answer used, so the server does the same work).
    stop: fed each chunk's text; True closes the stream there (the app's loop guard, so both paths generate
    the same tokens).
    """
    messages = question.messages()
    token_times: list[float] = []
    reported = 0
    start = time.perf_counter()
    deltas = model.stream(messages, max_tokens=max_tokens, temperature=0.0, repetition=repetition)
    try:
        for delta in deltas:
            if delta.text:
                token_times.append(time.perf_counter())
                if stop is not None and stop(delta.text):
                    break
            if delta.usage is not None:
                reported = delta.usage.completion_tokens
    finally:
        close = getattr(deltas, "close", None)
        if close is not None:
            close()
    end = time.perf_counter()
    return RequestResult(
        ok=bool(token_times),
        start=start,
        end=end,
        first_token=token_times[0] if token_times else None,
        token_times=token_times,
        output_tokens=reported or len(token_times),
        error="" if token_times else "empty answer",
    )


def timed_embed(model: Embedder, texts: Sequence[str]) -> RequestResult:
    """Embed a batch in one call; it counts as failed unless one vector comes back per text."""
    start = time.perf_counter()
    vectors = model.embed_batch(texts)
    end = time.perf_counter()
    ok = len(vectors) == len(texts) and all(vectors)
    return RequestResult(ok=ok, start=start, end=end, error="" if ok else f"{len(vectors)} vectors for {len(texts)}")
