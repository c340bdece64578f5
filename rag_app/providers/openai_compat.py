"""vLLM, or any OpenAI-compatible server, through the openai SDK: chat, embeddings, vision, health.

`openai_compatible_kind()` makes a provider kind of any such server; `vllm` is one.
"""

from __future__ import annotations

import base64
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import openai
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
    time_left,
)

PROBE_TEXT = "health check"
_lock = threading.Lock()
_clients: dict[tuple[str, str, float], openai.OpenAI] = {}
_context_lengths: dict[Endpoint, int] = {}


def normalise_base_url(url: str) -> str:
    """Accept 'http://h:8000', 'http://h:8000/' or 'http://h:8000/v1/' and return 'http://h:8000/v1'.

    A URL with some other path (a proxy's '/openai/v1') is kept as given, minus trailing slashes.
    """
    parts = urlsplit(url.strip())
    path = parts.path.rstrip("/") or "/v1"
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def client(endpoint: Endpoint) -> openai.OpenAI:
    """One pooled client per process per server, key and timeout."""
    base_url = normalise_base_url(endpoint.base_url)
    # vLLM without --api-key accepts any key, but the SDK refuses an empty one.
    key = (base_url, endpoint.api_key or "EMPTY", endpoint.timeout)
    with _lock:
        if key not in _clients:
            # Retries are ours (transient errors only, then failover), so the SDK's are off.
            _clients[key] = openai.OpenAI(base_url=key[0], api_key=key[1], timeout=key[2], max_retries=0)
        return _clients[key]


def provider_error(exc: Exception, endpoint: Endpoint) -> ProviderError:
    """Map an SDK error: unreachable, timeouts, 5xx and 429 are transient; other 4xx are permanent."""
    where = f"{endpoint.label} at {normalise_base_url(endpoint.base_url)}"
    kind = endpoint.kind
    if isinstance(exc, openai.APITimeoutError):
        return ProviderError(
            f"{where} timed out after {endpoint.timeout:g} s (or {settings.PROVIDER_FIRST_TOKEN_TIMEOUT:g} s without "
            "a token while streaming: PROVIDER_FIRST_TOKEN_TIMEOUT)",
            permanent=False,
            provider=kind,
        )
    if isinstance(exc, openai.APIConnectionError):
        return ProviderError(f"{where} is unreachable: {exc}", permanent=False, provider=kind)
    if isinstance(exc, openai.APIStatusError):
        status = exc.response.status_code
        detail = _detail(exc)
        if status == 404:
            detail += f" (is the server started with --served-model-name {endpoint.model}?)"
        elif status == 401:
            detail += " (check VLLM_API_KEY or the provider's API key in the admin)"
        transient = status >= 500 or status == 429
        return ProviderError(f"{where} answered HTTP {status}: {detail}", permanent=not transient, provider=kind)
    return ProviderError(f"{where} failed: {exc}", permanent=True, provider=kind)


def _detail(exc: openai.APIStatusError) -> str:
    """The server's own error message (vLLM answers {"error": {"message"}} or {"message"})."""
    body = exc.body
    if isinstance(body, dict):
        inner = body.get("error")
        if isinstance(inner, dict):
            return str(inner.get("message") or inner)
        return str(body.get("message") or inner or body)
    return str(exc.message)


def stream_timeout(endpoint: Endpoint) -> openai.Timeout:
    """A streamed call's timeouts, cut to the current deadline.

    Each read (the first token, then each next one) within the first-token timeout, the whole call within
    the endpoint's timeout.
    """
    total = time_left(endpoint.timeout)
    return openai.Timeout(total, connect=min(total, 5.0), read=min(total, settings.PROVIDER_FIRST_TOKEN_TIMEOUT))


def _messages(messages: Sequence[Message]) -> list[Any]:
    return [{"role": m.role, "content": m.content} for m in messages]


def _repetition(repetition: Repetition | None) -> dict[str, Any]:
    """frequency_penalty is OpenAI's own; repetition_penalty is vLLM's extra sampling parameter."""
    if repetition is None:
        return {}
    return {"frequency_penalty": repetition.frequency_penalty, "extra_body": {"repetition_penalty": repetition.penalty}}


class OpenAIChatModel(ChatModel):
    """Chat completions, streamed, from an OpenAI-compatible server."""

    def stream(
        self,
        messages: Sequence[Message],
        *,
        max_tokens: int,
        temperature: float,
        repetition: Repetition | None = None,
    ) -> Iterator[ChatDelta]:
        try:
            response = client(self.endpoint).chat.completions.create(
                model=self.model,
                messages=_messages(messages),
                max_tokens=max_tokens,
                temperature=temperature,
                stream=True,
                stream_options={"include_usage": True},
                timeout=stream_timeout(self.endpoint),
                **_repetition(repetition),
            )
            usage, finish_reason = Usage(), ""
            with response:
                for chunk in response:
                    if chunk.usage is not None:
                        usage = Usage(chunk.usage.prompt_tokens, chunk.usage.completion_tokens)
                    if chunk.choices and chunk.choices[0].finish_reason:
                        finish_reason = chunk.choices[0].finish_reason
                    if chunk.choices and chunk.choices[0].delta.content:
                        yield ChatDelta(text=chunk.choices[0].delta.content)
        except openai.OpenAIError as exc:
            raise provider_error(exc, self.endpoint) from exc
        yield ChatDelta(usage=usage, finish_reason=finish_reason)

    def context_length(self) -> int | None:
        """VLLM's max_model_len from /v1/models, asked once per process (not kept while unknown)."""
        if self.endpoint not in _context_lengths:
            reported = check(self.endpoint, "chat").context_length
            if reported is None:
                return None  # the server may be down now: ask again next time
            _context_lengths[self.endpoint] = reported
        return _context_lengths[self.endpoint]


class OpenAIEmbedder(Embedder):
    """Embeddings from an OpenAI-compatible server, many inputs per request."""

    def embed_batch(self, texts: Sequence[str]) -> list[list[float]]:
        if not texts:
            return []
        try:
            response = client(self.endpoint).embeddings.create(
                model=self.model, input=list(texts), encoding_format="float"
            )
        except openai.OpenAIError as exc:
            raise provider_error(exc, self.endpoint) from exc
        return [list(item.embedding) for item in sorted(response.data, key=lambda item: item.index)]


class OpenAIVisionModel(VisionModel):
    """Image descriptions from a vision model served behind the OpenAI API (image_url content)."""

    def describe(self, image: bytes, *, mime_type: str, prompt: str, max_tokens: int) -> ChatResult:
        data_url = f"data:{mime_type};base64,{base64.b64encode(image).decode()}"
        content: Any = [{"type": "text", "text": prompt}, {"type": "image_url", "image_url": {"url": data_url}}]
        try:
            response = client(self.endpoint).chat.completions.create(
                model=self.model,
                messages=[{"role": "user", "content": content}],
                max_tokens=max_tokens,
                temperature=0,
            )
        except openai.OpenAIError as exc:
            raise provider_error(exc, self.endpoint) from exc
        usage = Usage(response.usage.prompt_tokens, response.usage.completion_tokens) if response.usage else Usage()
        text = (response.choices[0].message.content or "").strip() if response.choices else ""
        return ChatResult(text=text, provider=self.kind, model=self.model, usage=usage)


def check(endpoint: Endpoint, role: Role) -> Health:
    """List the server's models, confirm ours is there, read its context length, probe embeddings."""
    started = time.monotonic()
    health = Health(ok=False)
    try:
        # a quick question: a server that accepts and never answers must not hold an answer for PROVIDER_TIMEOUT
        quick = time_left(min(endpoint.timeout, settings.PROVIDER_FIRST_TOKEN_TIMEOUT))
        models = list(client(endpoint).models.list(timeout=quick))
        health.models = [m.id for m in models]
        ours = next((m for m in models if m.id == endpoint.model), None)
        health.model_present = ours is not None
        if ours is None:
            served = ", ".join(health.models) or "none"
            health.error = f"model {endpoint.model!r} is not served; the server has {served}"
        else:
            context = (ours.model_extra or {}).get("max_model_len")
            health.context_length = int(context) if context else None
            if role == "embeddings":
                health.embedding_dimension = len(OpenAIEmbedder(endpoint).embed_one(PROBE_TEXT))
            health.ok = True
    except openai.OpenAIError as exc:
        health.error = str(provider_error(exc, endpoint))
    except ProviderError as exc:
        health.error = str(exc)
    health.latency_ms = int((time.monotonic() - started) * 1000)
    return health


def openai_compatible_kind(
    name: str, endpoint: Callable[[Role], Endpoint], advice: Callable[[Endpoint], str]
) -> ProviderKind:
    """A provider kind for any server speaking the OpenAI API: chat, embeddings and vision through it."""
    return ProviderKind(
        name=name,
        classes={"chat": OpenAIChatModel, "embeddings": OpenAIEmbedder, "vision": OpenAIVisionModel},
        endpoint=endpoint,
        check=check,
        advice=advice,
    )


def _vllm_endpoint(role: Role) -> Endpoint:
    """VLLM serves one model per process, so each role names its own server (VLLM_URL, VLLM_EMBED_URL...)."""
    s = settings
    url, model = {
        "chat": (s.VLLM_URL, s.VLLM_CHAT_MODEL),
        "embeddings": (s.VLLM_EMBED_URL, s.VLLM_EMBED_MODEL),
        "vision": (s.VLLM_VISION_URL, s.VLLM_VISION_MODEL),
    }[role]
    return Endpoint(
        kind="vllm",
        model=model,
        base_url=url,
        api_key=s.VLLM_API_KEY,
        timeout=s.PROVIDER_TIMEOUT,
        max_in_flight=s.VLLM_MAX_IN_FLIGHT,
        batch_size=s.EMBED_BATCH_SIZE,
    )


KIND = openai_compatible_kind(
    "vllm",
    _vllm_endpoint,
    advice=lambda e: f"Start the vLLM server at {e.base_url} serving {e.model!r} (scripts/vllm/serve start)",
)
