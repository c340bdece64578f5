"""Provider interfaces: one abstract method per capability, conveniences built on it."""

from __future__ import annotations

import abc
import contextlib
import contextvars
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from rag_app.errors import ServiceError

Role = Literal["chat", "embeddings", "vision"]
ROLES: tuple[Role, ...] = ("chat", "embeddings", "vision")


class ProviderError(ServiceError):
    """A provider call failed; `permanent` says whether retrying the same call can help."""


_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar("provider_deadline", default=None)


@contextlib.contextmanager
def deadline(at: float | None) -> Iterator[None]:
    """Calls made inside the block must end by `at` (time.monotonic()): timeouts, retries and waits shrink to fit."""
    token = _deadline.set(at)
    try:
        yield
    finally:
        _deadline.reset(token)


def time_left(limit: float) -> float:
    """The smaller of limit and the seconds left before the current deadline (never below 0.1 s)."""
    at = _deadline.get()
    if at is None:
        return limit
    return max(0.1, min(limit, at - time.monotonic()))


def past_deadline() -> bool:
    """Whether the current deadline has passed."""
    at = _deadline.get()
    return at is not None and time.monotonic() >= at


@dataclass(frozen=True)
class Endpoint:
    """Where and how to reach one model: enough to build a client and to check its health."""

    kind: str  # a registered provider kind (providers/kinds.py)
    model: str
    base_url: str = ""
    api_key: str = field(default="", repr=False)
    timeout: float = 120.0
    max_in_flight: int = 64
    batch_size: int = 32
    num_ctx: int = 8192
    keep_alive: str = "5m"

    @property
    def label(self) -> str:
        """A short human name, e.g. 'vllm:smollm2'."""
        return f"{self.kind}:{self.model}"


@dataclass
class Health:
    """What a connection test found."""

    ok: bool
    latency_ms: int = 0
    models: list[str] = field(default_factory=list)
    model_present: bool = False
    embedding_dimension: int | None = None
    context_length: int | None = None
    error: str = ""


@dataclass(frozen=True)
class Message:
    """One chat message."""

    role: Literal["system", "user", "assistant"]
    content: str


@dataclass(frozen=True)
class Prompt:
    """A named, versioned pair of templates (system and user); whatever used one records which."""

    name: str
    version: int
    system: str
    user: str


@dataclass(frozen=True)
class Usage:
    """Token counts the model reported (or counted) for one call."""

    prompt_tokens: int = 0
    completion_tokens: int = 0


@dataclass(frozen=True)
class ChatDelta:
    """A piece of a streamed answer; the last one carries usage, who served it and why it stopped."""

    text: str = ""
    usage: Usage | None = None
    provider: str = ""
    model: str = ""
    finish_reason: str = ""  # "stop", or "length" when max_tokens cut the answer ("" when not said)


@dataclass(frozen=True)
class Repetition:
    """Repetition controls for one generation; each provider sends the ones its server understands."""

    penalty: float = 1.0  # vLLM repetition_penalty, Ollama repeat_penalty, transformers repetition_penalty
    frequency_penalty: float = 0.0  # OpenAI-compatible servers
    no_repeat_ngram: int = 0  # the local model: never repeat a run of this many tokens (0: off)

    def as_dict(self) -> dict[str, float | int]:
        """The recorded form."""
        return {
            "penalty": self.penalty,
            "frequency_penalty": self.frequency_penalty,
            "no_repeat_ngram": self.no_repeat_ngram,
        }


@dataclass
class ChatResult:
    """A whole answer with where it came from."""

    text: str
    provider: str
    model: str
    usage: Usage = field(default_factory=Usage)


class _Model:
    """What every model object has: its endpoint, and the kind and model name taken from it."""

    def __init__(self, endpoint: Endpoint) -> None:
        self.endpoint = endpoint
        self.model = endpoint.model

    @property
    def kind(self) -> str:
        """The provider kind serving this model, e.g. 'vllm'."""
        return self.endpoint.kind


class ChatModel(_Model, abc.ABC):
    """Generates text from chat messages."""

    @abc.abstractmethod
    def stream(
        self,
        messages: Sequence[Message],
        *,
        max_tokens: int,
        temperature: float,
        repetition: Repetition | None = None,
    ) -> Iterator[ChatDelta]:
        """Yield the answer as it is generated; the final delta carries usage and the finish reason."""

    def complete(
        self,
        messages: Sequence[Message],
        *,
        max_tokens: int,
        temperature: float,
        repetition: Repetition | None = None,
    ) -> ChatResult:
        """Generate the whole answer."""
        parts: list[str] = []
        result = ChatResult(text="", provider=self.kind, model=self.model)
        for delta in self.stream(messages, max_tokens=max_tokens, temperature=temperature, repetition=repetition):
            parts.append(delta.text)
            result.usage = delta.usage or result.usage
            result.provider = delta.provider or result.provider
            result.model = delta.model or result.model
        result.text = "".join(parts).strip()
        return result

    def context_length(self) -> int | None:
        """The model's context window in tokens, or None when the server does not say."""
        return None


class Embedder(_Model, abc.ABC):
    """Turns texts into vectors of one fixed dimension."""

    @abc.abstractmethod
    def embed_batch(self, texts: Sequence[str]) -> list[list[float]]:
        """Embed texts in one call, in order."""

    def embed_iter(self, texts: Sequence[str], *, batch_size: int | None = None) -> Iterator[list[list[float]]]:
        """The vectors of texts, one batch of batch_size at a time, in order."""
        size = batch_size or self.endpoint.batch_size
        for start in range(0, len(texts), size):
            yield self.embed_batch(texts[start : start + size])

    def embed(
        self,
        texts: Sequence[str],
        *,
        batch_size: int | None = None,
        on_progress: Callable[[int, int], None] | None = None,
    ) -> list[list[float]]:
        """Embed any number of texts in batches, reporting (done, total) after each batch."""
        vectors: list[list[float]] = []
        for batch in self.embed_iter(texts, batch_size=batch_size):
            vectors.extend(batch)
            if on_progress:
                on_progress(len(vectors), len(texts))
        return vectors

    def embed_one(self, text: str) -> list[float]:
        """Embed a single text."""
        return self.embed_batch([text])[0]


class VisionModel(_Model, abc.ABC):
    """Describes an image in words."""

    @abc.abstractmethod
    def describe(self, image: bytes, *, mime_type: str, prompt: str, max_tokens: int) -> ChatResult:
        """Return a description of the image, guided by prompt."""


@dataclass(frozen=True)
class ProviderKind:
    """One kind of provider, declared once by its adapter module and listed in providers/kinds.py."""

    name: str  # what LLM_PROVIDER and the admin call it, e.g. "vllm"
    classes: Mapping[Role, type[Any]]  # the model class serving each role it can serve
    endpoint: Callable[[Role], Endpoint]  # its endpoint for a role, from the environment (settings)
    check: Callable[[Endpoint, Role], Health]  # a connection test
    advice: Callable[[Endpoint], str]  # what an operator does when it is down
