"""Ollama through its native HTTP API (/api/chat, /api/embed, /api/tags, /api/show) with the official SDK."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import threading
import time
from collections.abc import Iterator, Sequence
from typing import Any

import httpx
import ollama
import pydantic
from django.conf import settings

from rag_app.providers.base import (
    ChatDelta,
    ChatModel,
    ChatResult,
    Embedder,
    Endpoint,
    Health,
    Message,
    ProviderError,
    ProviderKind,
    Repetition,
    Role,
    Usage,
    VisionModel,
)

log = logging.getLogger(__name__)

NAME = "ollama"
PROBE_TEXT = "Ollama embedding probe."
# What each role needs from /api/show "capabilities" (servers older than 0.6.4 do not report them).
_ROLE_CAPABILITY: dict[str, str] = {"chat": "completion", "vision": "vision", "embeddings": "embedding"}

_clients: dict[tuple[int, str, float, float, str], ollama.Client] = {}
_clients_lock = threading.Lock()


def stream_read_timeout(endpoint: Endpoint) -> float:
    """A streamed answer's server must send each piece (the first token, then each next) within this."""
    return min(endpoint.timeout, settings.PROVIDER_FIRST_TOKEN_TIMEOUT)


def client_for(endpoint: Endpoint, *, streaming: bool = False) -> ollama.Client:
    """The process's one client for this server and timeout, so that connections are pooled.

    A streaming client waits at most PROVIDER_FIRST_TOKEN_TIMEOUT for each read, so a server that accepts and
    never answers fails over after it, not after PROVIDER_TIMEOUT; a whole answer in one response (embeddings,
    an image caption) may take the endpoint's full timeout. The process id is part of the key: a client
    inherited through fork (Celery prefork) would share its sockets with the parent.
    """
    read = stream_read_timeout(endpoint) if streaming else endpoint.timeout
    key = (os.getpid(), endpoint.base_url, endpoint.timeout, read, endpoint.api_key)
    with _clients_lock:
        client = _clients.get(key)
        if client is None:
            # Behind an authenticating proxy; without it the SDK falls back to $OLLAMA_API_KEY.
            headers = {"Authorization": f"Bearer {endpoint.api_key}"} if endpoint.api_key else None
            timeout = httpx.Timeout(endpoint.timeout, read=read)
            client = ollama.Client(host=endpoint.base_url, timeout=timeout, headers=headers)
            _clients[key] = client
        return client


def canonical_name(name: str) -> str:
    """Ollama's own equivalence of model names: case-insensitive, no tag means ':latest'."""
    name = name.strip().lower()
    for prefix in ("registry.ollama.ai/", "library/"):
        name = name.removeprefix(prefix)
    last = name.rsplit("/", 1)[-1]
    return name if ":" in last else f"{name}:latest"


def provider_error(exc: Exception, endpoint: Endpoint, doing: str, *, read_limit: float | None = None) -> ProviderError:
    """Translate an SDK or transport failure into a ProviderError an operator can act on.

    read_limit: a streamed call's wait for each piece, when shorter than the endpoint's timeout.
    """
    url, model = endpoint.base_url, endpoint.model
    if isinstance(exc, ollama.ResponseError):
        status, said = exc.status_code, str(exc.error).strip()
        if status == 404 and "model" in said.lower():
            return ProviderError(
                f"model '{model}' not found on {url}: run `ollama pull {model}` on that server (Ollama said: {said})",
                permanent=True,
                provider=NAME,
            )
        if status == 404:
            return ProviderError(
                f"{url} has no Ollama API for {doing} (HTTP 404: {said}): "
                "set OLLAMA_URL to the Ollama server's root URL, e.g. http://127.0.0.1:11434",
                permanent=True,
                provider=NAME,
            )
        # -1: an {"error": ...} line in the middle of a stream (the runner failed after it started).
        if status in (-1, 408, 429) or status >= 500:
            where = "mid-stream" if status == -1 else f"HTTP {status}"
            return ProviderError(
                f"Ollama at {url} failed while {doing} with '{model}' ({where}: {said}); "
                "retrying may help, check the server's log if it persists",
                permanent=False,
                provider=NAME,
            )
        return ProviderError(
            f"Ollama at {url} refused {doing} with '{model}' (HTTP {status}: {said}); "
            "check the model name and that the model supports this role",
            permanent=True,
            provider=NAME,
        )
    if isinstance(exc, httpx.ReadTimeout) and read_limit is not None and read_limit < endpoint.timeout:
        return ProviderError(
            f"Ollama at {url} sent nothing for {read_limit:g} s while {doing} with '{model}' "
            "(PROVIDER_FIRST_TOKEN_TIMEOUT): it may be hung or overloaded; retry, or raise the timeout",
            permanent=False,
            provider=NAME,
        )
    if isinstance(exc, httpx.TimeoutException):
        return ProviderError(
            f"Ollama at {url} did not answer within {endpoint.timeout:g} s while {doing} with '{model}': "
            "it may be loading the model or overloaded; retry, or raise the timeout",
            permanent=False,
            provider=NAME,
        )
    if isinstance(exc, httpx.ConnectError | ConnectionError):
        return ProviderError(
            f"cannot reach Ollama at {url} ({exc}): start it (`ollama serve`) or fix OLLAMA_URL",
            permanent=False,
            provider=NAME,
        )
    if isinstance(exc, httpx.TransportError):
        return ProviderError(
            f"the connection to Ollama at {url} broke while {doing} ({type(exc).__name__}: {exc}); retrying may help",
            permanent=False,
            provider=NAME,
        )
    if isinstance(exc, pydantic.ValidationError) and exc.title.endswith("Request"):  # refused before sending
        return ProviderError(
            f"invalid request for Ollama at {url} while {doing}: {exc.errors()[0]['msg']}; "
            f"check the configured model name ('{model}')",
            permanent=True,
            provider=NAME,
        )
    if isinstance(exc, ollama.RequestError):
        return ProviderError(
            f"invalid Ollama request while {doing}: {exc.error}; check OLLAMA settings",
            permanent=True,
            provider=NAME,
        )
    return ProviderError(
        f"{url} did not answer like an Ollama server while {doing} ({type(exc).__name__}: {exc}): "
        "check that OLLAMA_URL points at Ollama",
        permanent=True,
        provider=NAME,
    )


# What the SDK and httpx raise for a call that failed; anything else is a bug and propagates.
_CALL_ERRORS = (
    ollama.ResponseError,
    ollama.RequestError,
    httpx.HTTPError,
    ConnectionError,
    pydantic.ValidationError,
    json.JSONDecodeError,
)


@contextlib.contextmanager
def _calling(endpoint: Endpoint, doing: str, *, read_limit: float | None = None) -> Iterator[None]:
    try:
        yield
    except _CALL_ERRORS as exc:
        raise provider_error(exc, endpoint, doing, read_limit=read_limit) from exc


def _options(
    endpoint: Endpoint, *, max_tokens: int, temperature: float, repetition: Repetition | None = None
) -> dict[str, Any]:
    # num_ctx is always explicit: Ollama's small default context silently drops retrieved text.
    options: dict[str, Any] = {"num_ctx": endpoint.num_ctx, "num_predict": max_tokens, "temperature": temperature}
    if repetition is not None:
        options["repeat_penalty"] = repetition.penalty
    return options


def _usage(response: ollama.ChatResponse) -> Usage:
    return Usage(prompt_tokens=response.prompt_eval_count or 0, completion_tokens=response.eval_count or 0)


class OllamaChatModel(ChatModel):
    """A chat model served by Ollama, streamed over /api/chat."""

    def stream(
        self,
        messages: Sequence[Message],
        *,
        max_tokens: int,
        temperature: float,
        repetition: Repetition | None = None,
    ) -> Iterator[ChatDelta]:
        endpoint = self.endpoint
        final: ollama.ChatResponse | None = None
        with _calling(endpoint, "generating an answer", read_limit=stream_read_timeout(endpoint)):
            parts = client_for(endpoint, streaming=True).chat(
                model=self.model,
                messages=[{"role": m.role, "content": m.content} for m in messages],
                stream=True,
                options=_options(endpoint, max_tokens=max_tokens, temperature=temperature, repetition=repetition),
                keep_alive=endpoint.keep_alive,
            )
            try:
                for part in parts:
                    if part.message.content:
                        yield ChatDelta(text=part.message.content)
                    if part.done:
                        final = part
            finally:
                close = getattr(parts, "close", None)  # a consumer that stops early releases the connection
                if close is not None:
                    close()
        if final is None:
            raise ProviderError(
                f"Ollama at {endpoint.base_url} ended the answer stream of '{self.model}' without its final "
                "message; retrying may help",
                permanent=False,
                provider=NAME,
            )
        if final.done_reason == "length":
            log.info("Ollama %s stopped at max_tokens=%d", self.model, max_tokens)
        yield ChatDelta(usage=_usage(final), finish_reason=final.done_reason or "")

    def context_length(self) -> int:
        """The num_ctx we send with every request (Ollama's own default is far smaller)."""
        return self.endpoint.num_ctx


class OllamaEmbedder(Embedder):
    """An embedding model served by Ollama: one /api/embed request per batch."""

    def embed_batch(self, texts: Sequence[str]) -> list[list[float]]:
        if not texts:
            return []
        endpoint = self.endpoint
        with _calling(endpoint, "embedding texts"):
            response = client_for(endpoint).embed(model=self.model, input=list(texts), keep_alive=endpoint.keep_alive)
        vectors = [[float(x) for x in row] for row in response.embeddings]
        if len(vectors) != len(texts):
            raise ProviderError(
                f"Ollama at {endpoint.base_url} returned {len(vectors)} embeddings for {len(texts)} texts "
                f"with '{self.model}'",
                permanent=False,
                provider=NAME,
            )
        return vectors


class OllamaVisionModel(VisionModel):
    """A multimodal model served by Ollama (e.g. llava): the image rides on the user message."""

    def describe(self, image: bytes, *, mime_type: str, prompt: str, max_tokens: int) -> ChatResult:
        # Ollama sniffs the image format itself; mime_type is part of the interface for other providers.
        endpoint = self.endpoint
        with _calling(endpoint, "describing an image"):
            response = client_for(endpoint).chat(
                model=self.model,
                messages=[{"role": "user", "content": prompt, "images": [image]}],
                stream=False,
                options=_options(endpoint, max_tokens=max_tokens, temperature=0.0),
                keep_alive=endpoint.keep_alive,
            )
        return ChatResult(
            text=(response.message.content or "").strip(),
            provider=NAME,
            model=self.model,
            usage=_usage(response),
        )


def _context_length(model_info: Any) -> int | None:
    for key, value in dict(model_info or {}).items():
        if key.endswith(".context_length") and isinstance(value, int):
            return value
    return None


def check(endpoint: Endpoint, role: Role) -> Health:
    """Test the connection: the model is pulled, can serve the role, and its context (and dimension)."""
    started = time.monotonic()
    health = Health(ok=False)
    try:
        client = client_for(endpoint)
        with _calling(endpoint, "listing models"):
            listed = client.list()
        health.models = [m.model for m in listed.models if m.model]
        wanted = canonical_name(endpoint.model)
        health.model_present = any(canonical_name(name) == wanted for name in health.models)
        if not health.model_present:
            health.error = (
                f"model '{endpoint.model}' not found on {endpoint.base_url}: run `ollama pull {endpoint.model}` "
                f"(the server has: {', '.join(health.models) or 'no models'})"
            )
            return health
        with _calling(endpoint, "reading the model's details"):
            shown = client.show(endpoint.model)
        health.context_length = _context_length(shown.modelinfo)
        needed = _ROLE_CAPABILITY[role]
        if shown.capabilities is not None and needed not in shown.capabilities:
            health.error = (
                f"model '{endpoint.model}' on {endpoint.base_url} cannot serve {role}: it lacks '{needed}' "
                f"(it has: {', '.join(shown.capabilities) or 'nothing'}); configure a model made for {role}"
            )
            return health
        if role == "embeddings":
            health.embedding_dimension = len(OllamaEmbedder(endpoint).embed_one(PROBE_TEXT))
        health.ok = True
    except ProviderError as exc:
        health.error = str(exc)
    except Exception as exc:  # a health check reports every failure, it never raises
        log.exception("Ollama health check of %s failed unexpectedly", endpoint.label)
        health.error = f"checking Ollama at {endpoint.base_url} failed: {type(exc).__name__}: {exc}"
    finally:
        health.latency_ms = round((time.monotonic() - started) * 1000)
    return health


def _endpoint(role: Role) -> Endpoint:
    """One Ollama server serves every role, each with its own model."""
    s = settings
    models = {"chat": s.OLLAMA_CHAT_MODEL, "embeddings": s.OLLAMA_EMBED_MODEL, "vision": s.OLLAMA_VISION_MODEL}
    return Endpoint(
        kind=NAME,
        model=models[role],
        base_url=s.OLLAMA_URL,
        timeout=s.PROVIDER_TIMEOUT,
        max_in_flight=s.OLLAMA_MAX_IN_FLIGHT,
        batch_size=s.EMBED_BATCH_SIZE,
        num_ctx=s.OLLAMA_NUM_CTX,
        keep_alive=s.OLLAMA_KEEP_ALIVE,
    )


KIND = ProviderKind(
    name=NAME,
    classes={"chat": OllamaChatModel, "embeddings": OllamaEmbedder, "vision": OllamaVisionModel},
    endpoint=_endpoint,
    check=check,
    advice=lambda e: f"Start Ollama at {e.base_url} and run 'ollama pull {e.model}'",
)
