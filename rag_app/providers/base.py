"""Provider interfaces: one abstract method per capability, conveniences built on it."""

from __future__ import annotations

import abc
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import ClassVar, Literal


class ProviderError(Exception):
    """A provider call failed; `permanent` says whether retrying the same call can help."""

    def __init__(self, message: str, *, permanent: bool, provider: str = "") -> None:
        super().__init__(message)
        self.permanent = permanent
        self.provider = provider


@dataclass(frozen=True)
class Message:
    """One chat message."""

    role: Literal["system", "user", "assistant"]
    content: str


@dataclass(frozen=True)
class Usage:
    """Token counts the model reported (or counted) for one call."""

    prompt_tokens: int = 0
    completion_tokens: int = 0


@dataclass(frozen=True)
class ChatDelta:
    """A piece of a streamed answer; the last one carries usage."""

    text: str = ""
    usage: Usage | None = None


@dataclass
class ChatResult:
    """A whole answer with where it came from."""

    text: str
    provider: str
    model: str
    usage: Usage = field(default_factory=Usage)


class ChatModel(abc.ABC):
    """Generates text from chat messages."""

    kind: ClassVar[str]

    def __init__(self, model: str) -> None:
        self.model = model

    @abc.abstractmethod
    def stream(self, messages: Sequence[Message], *, max_tokens: int, temperature: float) -> Iterator[ChatDelta]:
        """Yield the answer as it is generated; the final delta carries usage."""

    def complete(self, messages: Sequence[Message], *, max_tokens: int, temperature: float) -> ChatResult:
        """Generate the whole answer."""
        parts: list[str] = []
        usage = Usage()
        for delta in self.stream(messages, max_tokens=max_tokens, temperature=temperature):
            parts.append(delta.text)
            usage = delta.usage or usage
        return ChatResult(text="".join(parts).strip(), provider=self.kind, model=self.model, usage=usage)


class Embedder(abc.ABC):
    """Turns texts into vectors of one fixed dimension."""

    kind: ClassVar[str]

    def __init__(self, model: str) -> None:
        self.model = model

    @abc.abstractmethod
    def embed_batch(self, texts: Sequence[str]) -> list[list[float]]:
        """Embed texts in one call, in order."""

    def embed(self, texts: Sequence[str], *, batch_size: int) -> list[list[float]]:
        """Embed any number of texts, batch_size at a time."""
        vectors: list[list[float]] = []
        for start in range(0, len(texts), batch_size):
            vectors.extend(self.embed_batch(texts[start : start + batch_size]))
        return vectors

    def embed_one(self, text: str) -> list[float]:
        """Embed a single text."""
        return self.embed_batch([text])[0]
