"""The provider for each role from the current configuration, with failover and a log of every call.

Around every call: a circuit breaker per server, a cap on requests in flight, retries of transient
errors where no fallback follows.
"""

from __future__ import annotations

import collections
import contextlib
import contextvars
import itertools
import logging
import random
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from typing import Any, TypeVar

from django.conf import settings
from django.db import DatabaseError

from rag_app import metrics
from rag_app.providers import kinds
from rag_app.providers.base import (
    ChatDelta,
    ChatModel,
    ChatResult,
    Embedder,
    Endpoint,
    Message,
    ProviderError,
    Repetition,
    Role,
    Usage,
    VisionModel,
    past_deadline,
    time_left,
)
from rag_app.providers.breaker import breaker_for
from rag_app.providers.config import RoleConfig, role_config

log = logging.getLogger(__name__)
T = TypeVar("T")

_lock = threading.Lock()
_instances: dict[tuple[str, Endpoint], Any] = {}
_slots: dict[tuple[str, str, str, int], threading.BoundedSemaphore] = {}


def build(role: Role, endpoint: Endpoint) -> Any:
    """The concrete model object for an endpoint in a role, one per process (clients are pooled)."""
    key = (role, endpoint)
    with _lock:
        if key not in _instances:
            cls = kinds.get(endpoint.kind).classes.get(role)
            if cls is None:
                raise ProviderError(f"{endpoint.kind} cannot serve the {role} role", permanent=True)
            _instances[key] = cls(endpoint)
        return _instances[key]


@contextlib.contextmanager
def _in_flight(endpoint: Endpoint) -> Iterator[None]:
    """Hold one of the endpoint's max_in_flight places (Ollama serves few at a time; vLLM many)."""
    key = (endpoint.kind, endpoint.base_url, endpoint.model, endpoint.max_in_flight)
    with _lock:
        slot = _slots.setdefault(key, threading.BoundedSemaphore(endpoint.max_in_flight))
    if not slot.acquire(timeout=time_left(endpoint.timeout)):
        raise ProviderError(
            f"{endpoint.label}: {endpoint.max_in_flight} requests already in flight for {endpoint.timeout:g} s",
            permanent=False,
            provider=endpoint.kind,
        )
    try:
        yield
    finally:
        slot.release()


def _call_row(role: Role, endpoint: Endpoint, started: float, error: ProviderError | None, **fields: Any) -> Any:
    from rag_app.providers.models import ProviderCall

    seconds = time.monotonic() - started
    metrics.PROVIDER_CALLS.labels(role, endpoint.kind, endpoint.model, "ok" if error is None else "error").inc()
    metrics.PROVIDER_CALL_SECONDS.labels(role, endpoint.kind).observe(seconds)
    return ProviderCall(
        role=role,
        kind=endpoint.kind,
        model=endpoint.model,
        ok=error is None,
        error=str(error or "")[:2000],
        latency_ms=int(seconds * 1000),
        **fields,
    )


_deferred: contextvars.ContextVar[list[Any] | None] = contextvars.ContextVar("deferred_calls", default=None)


@contextlib.contextmanager
def calls_saved_later() -> Iterator[list[Any]]:
    """Collect the call-log rows made in this block (and threads it starts with its context) instead of saving them.

    Work on a latency path (an answer) saves them with save_calls once its result is out: no insert and commit
    between the question and its first token, or between the last token and the final event.
    """
    rows: list[Any] = []
    token = _deferred.set(rows)
    try:
        yield rows
    finally:
        _deferred.reset(token)


def _save_calls(rows: list[Any]) -> None:
    from rag_app.providers.models import ProviderCall

    deferred = _deferred.get()
    if deferred is not None:
        deferred.extend(rows)  # list.extend is atomic: pool threads may add at the same time
        return
    try:
        ProviderCall.objects.bulk_create(rows)
    except DatabaseError:  # the call log must never break the call itself
        log.warning("could not record %s provider calls", len(rows), exc_info=True)


def save_calls(rows: list[Any]) -> None:
    """Record call-log rows collected by GuardedEmbedder.embed_unlogged or calls_saved_later."""
    _save_calls(rows)


def _record(role: Role, endpoint: Endpoint, started: float, error: ProviderError | None = None, **fields: Any) -> None:
    _save_calls([_call_row(role, endpoint, started, error, **fields)])


def _candidates(config: RoleConfig) -> list[tuple[Endpoint, int]]:
    """Endpoints to try, each with its number of attempts (retries only where nothing follows)."""
    endpoints = [e for e in (config.primary, config.fallback) if e is not None]
    if not endpoints:
        raise ProviderError(f"No provider is configured for the {config.role} role", permanent=True)
    return [(e, 1 if i < len(endpoints) - 1 else 1 + settings.PROVIDER_RETRIES) for i, e in enumerate(endpoints)]


def _backoff(attempt: int) -> None:
    """Exponential with full jitter: callers that failed together do not all come back together."""
    time.sleep(time_left(random.uniform(0, min(8.0, 0.5 * 2**attempt))))


def _breaker_metric(endpoint: Endpoint, state: str) -> None:
    metrics.breaker_state(provider=endpoint.kind, model=endpoint.model, url=endpoint.base_url, state=state)


def _with_failover(role: Role, config: RoleConfig, call: Callable[[Endpoint], T]) -> T:
    """Run call on the primary, failing over to the fallback on transient errors or an open circuit."""
    last: ProviderError | None = None
    for endpoint, attempts in _candidates(config):
        breaker = breaker_for(endpoint)
        for attempt in range(attempts):
            if past_deadline():
                raise last or ProviderError(f"{endpoint.label}: no time left for the call", permanent=False)
            if not breaker.allow():
                last = ProviderError(f"{endpoint.label} keeps failing; not calling it for now", permanent=False)
                break
            try:
                result = call(endpoint)
            except ProviderError as exc:
                if exc.permanent:
                    raise
                breaker.record_failure()
                _breaker_metric(endpoint, breaker.state)
                last = exc
                if attempt + 1 < attempts:
                    _backoff(attempt)
                continue
            breaker.record_success()
            _breaker_metric(endpoint, breaker.state)
            return result
    assert last is not None
    raise last


DEFAULT_CONTEXT = 2048  # when no server says: small, so that nothing is ever cut off silently


class RoutedChatModel(ChatModel):
    """Chat through the role's primary, failing over to its fallback until the first token arrives."""

    def __init__(self, config: RoleConfig) -> None:
        self.config = config
        super().__init__(config.primary or config.fallback or Endpoint(kind="local", model="none"))

    def context_length(self) -> int:
        """The smallest window among the servers that may answer (the fallback may take over)."""
        windows = []
        for endpoint in (self.config.primary, self.config.fallback):
            if endpoint is not None:
                try:
                    model: ChatModel = build("chat", endpoint)
                    windows.append(model.context_length() or DEFAULT_CONTEXT)
                except ProviderError:
                    windows.append(DEFAULT_CONTEXT)
        return min(windows) if windows else DEFAULT_CONTEXT

    def stream(
        self,
        messages: Sequence[Message],
        *,
        max_tokens: int,
        temperature: float,
        repetition: Repetition | None = None,
    ) -> Iterator[ChatDelta]:
        def start(endpoint: Endpoint) -> tuple[Endpoint, float, contextlib.ExitStack, ChatDelta, Iterator[ChatDelta]]:
            stack = contextlib.ExitStack()
            stack.enter_context(_in_flight(endpoint))
            started = time.monotonic()
            model: ChatModel = build("chat", endpoint)
            deltas = model.stream(messages, max_tokens=max_tokens, temperature=temperature, repetition=repetition)
            stack.callback(getattr(deltas, "close", lambda: None))  # closing this stream closes the server's
            try:
                first = next(deltas)  # failures before the first token may still move to the fallback
            except ProviderError as exc:
                stack.close()
                _record("chat", endpoint, started, exc)
                raise
            return endpoint, started, stack, first, deltas

        endpoint, started, stack, first, deltas = _with_failover("chat", self.config, start)
        first_token_ms = int((time.monotonic() - started) * 1000)
        metrics.FIRST_TOKEN_SECONDS.labels(endpoint.kind, endpoint.model).observe(first_token_ms / 1000)
        usage = Usage()
        with stack:
            try:
                for delta in itertools.chain([first], deltas):
                    if delta.usage:  # the last delta: say who served the answer
                        usage = delta.usage
                        delta = replace(delta, provider=endpoint.kind, model=endpoint.model)
                    yield delta
            except ProviderError as exc:  # a half-sent answer cannot move to another server
                _record("chat", endpoint, started, exc, first_token_ms=first_token_ms)
                raise
        metrics.GENERATION_SECONDS.labels(endpoint.kind, endpoint.model).observe(time.monotonic() - started)
        _record(
            "chat",
            endpoint,
            started,
            first_token_ms=first_token_ms,
            prompt_tokens=usage.prompt_tokens,
            completion_tokens=usage.completion_tokens,
        )


class RoutedVisionModel(VisionModel):
    """Vision through the role's primary, failing over to its fallback."""

    def __init__(self, config: RoleConfig) -> None:
        self.config = config
        super().__init__(config.primary or config.fallback or Endpoint(kind="local", model="none"))

    def describe(self, image: bytes, *, mime_type: str, prompt: str, max_tokens: int) -> ChatResult:
        def call(endpoint: Endpoint) -> ChatResult:
            started = time.monotonic()
            try:
                with _in_flight(endpoint):
                    model: VisionModel = build("vision", endpoint)
                    result = model.describe(image, mime_type=mime_type, prompt=prompt, max_tokens=max_tokens)
            except ProviderError as exc:
                _record("vision", endpoint, started, exc)
                raise
            usage = result.usage
            _record(
                "vision",
                endpoint,
                started,
                prompt_tokens=usage.prompt_tokens,
                completion_tokens=usage.completion_tokens,
            )
            return result

        return _with_failover("vision", self.config, call)


class GuardedEmbedder(Embedder):
    """Embeddings from the role's one provider (no fallback: that would mix vector spaces).

    Retries transient errors, caps requests in flight, and keeps several batches in flight on servers
    that batch (vLLM, Ollama). Whether its vectors fit the index is the index's check (rag_app/index).
    """

    def _raw(self, texts: Sequence[str], calls: list[Any] | None = None) -> list[list[float]]:
        """One request; its log row is saved now, or collected into calls to be saved by the caller."""
        started = time.monotonic()
        error: ProviderError | None = None
        try:
            with _in_flight(self.endpoint):
                model: Embedder = build("embeddings", self.endpoint)
                vectors = model.embed_batch(texts)
            if len(vectors) != len(texts):
                raise ProviderError(
                    f"{self.endpoint.label} returned {len(vectors)} vectors for {len(texts)} texts",
                    permanent=True,
                    provider=self.endpoint.kind,
                )
            return vectors
        except ProviderError as exc:
            error = exc
            raise
        finally:
            row = _call_row("embeddings", self.endpoint, started, error, inputs=len(texts))
            if calls is None:
                _save_calls([row])
            else:
                calls.append(row)

    def _guarded(self, texts: Sequence[str], calls: list[Any] | None = None) -> list[list[float]]:
        config = RoleConfig(role="embeddings", primary=self.endpoint, fallback=None)
        return _with_failover("embeddings", config, lambda _: self._raw(texts, calls))

    def embed_batch(self, texts: Sequence[str]) -> list[list[float]]:
        return self._guarded(texts)

    def embed_unlogged(self, texts: Sequence[str], calls: list[Any]) -> list[list[float]]:
        """embed_batch without touching the database, so a pool thread may call it.

        The call-log rows go into calls (even when it fails), for the caller's thread to save_calls.
        """
        return self._guarded(texts, calls)

    def embed_iter(self, texts: Sequence[str], *, batch_size: int | None = None) -> Iterator[list[list[float]]]:
        """Vectors batch by batch, in order, with up to EMBED_IN_FLIGHT requests in flight.

        Only servers that batch (vLLM, Ollama) get several; in-process models run one at a time. Each
        request's call-log row is saved by this thread: pool threads would each open (and leave
        open) a database connection of their own.
        """
        size = batch_size or self.endpoint.batch_size
        batches = [texts[i : i + size] for i in range(0, len(texts), size)]
        if not batches:
            return
        local = self.endpoint.kind == "local"
        workers = 1 if local else max(1, min(settings.EMBED_IN_FLIGHT, self.endpoint.max_in_flight))
        pending: collections.deque[tuple[Future[list[list[float]]], list[Any]]] = collections.deque()
        queue = iter(batches)
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="embed") as pool:

            def submit(batch: Sequence[str]) -> None:
                calls: list[Any] = []
                pending.append((pool.submit(self._guarded, batch, calls), calls))

            try:
                for batch in itertools.islice(queue, workers):
                    submit(batch)
                while pending:
                    future, calls = pending.popleft()
                    try:
                        vectors = future.result()
                    finally:
                        _save_calls(calls)
                    next_batch = next(queue, None)
                    if next_batch is not None:
                        submit(next_batch)
                    yield vectors
            finally:
                for future, _ in pending:
                    future.cancel()


def chat_model() -> ChatModel:
    """The chat model for this request: the configured primary, failing over to the fallback."""
    return RoutedChatModel(role_config("chat"))


def embedder() -> Embedder:
    """The configured embedder (for the index, use rag_app.index.service.embedder: it checks the fit)."""
    endpoint = role_config("embeddings").primary
    if endpoint is None:
        raise ProviderError("No provider is configured for the embeddings role", permanent=True)
    return GuardedEmbedder(endpoint)


def vision_model() -> VisionModel:
    """The vision model: the configured primary, failing over to the fallback."""
    return RoutedVisionModel(role_config("vision"))
