"""What the Ollama test double answers: Ollama's API semantics, without the HTTP server (see ollama.py)."""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import math
import random
import re
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

EmbedFn = Callable[[Sequence[str]], list[list[float]]]
DEFAULT_NUM_CTX = 4096  # Ollama's default context when a request does not set options.num_ctx
_B64 = re.compile(r"[A-Za-z0-9+/=]")


@dataclass(frozen=True)
class OllamaModel:
    """One pulled model as /api/tags and /api/show describe it."""

    name: str
    family: str = "llama"
    context_length: int = 131072
    embedding_length: int = 3072  # the hidden size; for an embedding model, the vector dimension
    capabilities: tuple[str, ...] = ("completion",)
    parameter_size: str = "3.2B"
    quantization_level: str = "Q4_K_M"

    @classmethod
    def chat(cls, name: str, *, family: str = "llama", context_length: int = 131072) -> OllamaModel:
        return cls(name, family=family, context_length=context_length)

    @classmethod
    def vision(cls, name: str, *, family: str = "llama", context_length: int = 4096) -> OllamaModel:
        return cls(name, family=family, context_length=context_length, capabilities=("completion", "vision"))

    @classmethod
    def embedding(
        cls, name: str, *, dimension: int = 768, family: str = "nomic-bert", context_length: int = 2048
    ) -> OllamaModel:
        return cls(
            name,
            family=family,
            context_length=context_length,
            embedding_length=dimension,
            capabilities=("embedding",),
            parameter_size="137M",
            quantization_level="F16",
        )


DEFAULT_MODELS = (
    OllamaModel.chat("llama3.2:3b"),
    OllamaModel.vision("llava:7b"),
    OllamaModel.embedding("nomic-embed-text:latest", dimension=768),
)


@dataclass(frozen=True)
class ChatCall:
    """What a chat answer function sees: the model, the messages, the options, the decoded images."""

    model: OllamaModel
    messages: list[dict[str, Any]]
    options: dict[str, Any]
    images: list[bytes]


ChatFn = Callable[[ChatCall], str]


_SOURCE = re.compile(r"^\[(\d+)\]\s*(?:\([^)\n]*\)\s*)?(.+)$", re.MULTILINE)
_MAGIC = ((b"\x89PNG", "PNG"), (b"\xff\xd8\xff", "JPEG"), (b"GIF8", "GIF"), (b"RIFF", "WEBP"))


def cite_sources_answer(call: ChatCall) -> str:
    """Default answers: cite source [n] when the system message numbers sources; describe images."""
    if call.images:
        image = call.images[0]
        kind = next((name for magic, name in _MAGIC if image.startswith(magic)), "unknown")
        return f"The image is a {kind} picture of {len(image)} bytes, described by the Ollama test double."
    system = "\n".join(str(m.get("content", "")) for m in call.messages if m.get("role") == "system")
    question = next((str(m.get("content", "")) for m in reversed(call.messages) if m.get("role") == "user"), "")
    sources = _SOURCE.findall(system)
    if sources:
        n, text = sources[0]
        return f"According to the sources, {' '.join(text.split()[:12])} [{n}]"
    return f"The Ollama test double has no sources to answer: {question}"


def hash_embedding(text: str, dimension: int) -> list[float]:
    """A deterministic dense vector: the sum of a fixed pseudo-random vector per word, so shared words mean close."""
    vector = [0.0] * dimension
    for word in re.findall(r"\w+", text.lower()) or [text]:
        for i, x in enumerate(_word_vector(word, dimension)):
            vector[i] += x
    return vector


@functools.cache
def _word_vector(word: str, dimension: int) -> tuple[float, ...]:
    rng = random.Random(hashlib.sha256(word.encode()).digest())
    return tuple(rng.uniform(-1.0, 1.0) for _ in range(dimension))


def normalise(vector: Sequence[float]) -> list[float]:
    """Scale to unit length, as Ollama does with every embedding."""
    if any(math.isnan(x) or math.isinf(x) for x in vector):
        raise ValueError("embedding contains NaN or Inf values")
    norm = max(math.sqrt(sum(x * x for x in vector)), 1e-12)
    return [x / norm for x in vector]


def canonical(name: str) -> str:
    name = name.strip().lower()
    return name if ":" in name.rsplit("/", 1)[-1] else f"{name}:latest"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def _words(text: str) -> int:
    return len(text.split())


class ApiError(Exception):
    """An answer {"error": message} with an HTTP status, as Ollama gives."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class OllamaApi:
    """Ollama's answers for the configured models; each api_* method serves one route.

    A method returns a JSON-able dict, or an iterator of objects to stream as NDJSON; it raises
    ApiError for an {"error": ...} answer.
    """

    def __init__(
        self,
        models: Sequence[OllamaModel] = DEFAULT_MODELS,
        *,
        embed_fn: EmbedFn | None = None,
        chat_fn: ChatFn = cite_sources_answer,
        version: str = "0.12.6",
    ) -> None:
        self.models = list(models)
        self.embed_fn = embed_fn
        self.chat_fn = chat_fn
        self.version = version
        self._stream_breaks: list[tuple[int, str]] = []
        self._breaks_lock = threading.Lock()

    def add_model(self, model: OllamaModel) -> None:
        self.models.append(model)

    def find_model(self, name: str) -> OllamaModel | None:
        wanted = canonical(name)
        return next((m for m in self.models if canonical(m.name) == wanted), None)

    def break_stream_after(self, pieces: int, *, error: str = "error reading llm response: EOF") -> None:
        """Make the next streamed chat send an {"error": ...} line after `pieces` pieces, as Ollama does."""
        with self._breaks_lock:
            self._stream_breaks.append((pieces, error))

    def _take_stream_break(self) -> tuple[int, str] | None:
        with self._breaks_lock:
            return self._stream_breaks.pop(0) if self._stream_breaks else None

    def api_version(self, body: Any) -> dict[str, Any]:
        return {"version": self.version}

    def api_tags(self, body: Any) -> dict[str, Any]:
        return {"models": [self._describe(m) | {"name": m.name, "model": m.name} for m in self.models]}

    def api_show(self, body: dict[str, Any]) -> dict[str, Any]:
        name = _field(body, "model", str) or _field(body, "name", str)
        if not name:
            raise ApiError(400, "model is required")
        model = self._require(name)
        info: dict[str, Any] = {
            "general.architecture": model.family,
            "general.parameter_count": 3_212_749_888,
            f"{model.family}.context_length": model.context_length,
            f"{model.family}.embedding_length": model.embedding_length,
        }
        return {
            "license": "",
            "modelfile": f'# Modelfile generated by "ollama show"\nFROM {model.name}\n',
            "parameters": "",
            "template": "{{ .Prompt }}",
            "details": self._describe(model)["details"],
            "model_info": info,
            "capabilities": list(model.capabilities),
            "modified_at": self._describe(model)["modified_at"],
        }

    def api_embed(self, body: dict[str, Any]) -> dict[str, Any]:
        started = time.perf_counter_ns()
        raw = body.get("input")
        if isinstance(raw, str):
            texts = [raw] if raw else []
        elif isinstance(raw, list) and all(isinstance(t, str) for t in raw):
            texts = list(raw)
        elif raw is None:
            texts = []
        else:
            raise ApiError(400, "invalid input type")
        name = _field(body, "model", str)
        if not name:
            raise ApiError(400, "model is required")
        model = self._require(name)
        if not texts:
            return {"model": name, "embeddings": []}
        vectors = self.embed_fn(texts) if self.embed_fn else [hash_embedding(t, model.embedding_length) for t in texts]
        if len(vectors) != len(texts) or any(len(v) != model.embedding_length for v in vectors):
            raise ApiError(
                500,
                f"test double misconfigured: the embedding function gave {len(vectors)} vectors of "
                f"{sorted({len(v) for v in vectors})} dimensions for {len(texts)} texts, but '{model.name}' "
                f"declares {model.embedding_length}",
            )
        try:
            embeddings = [normalise(v) for v in vectors]
        except ValueError as exc:
            raise ApiError(400, str(exc)) from exc
        dimensions = _field(body, "dimensions", int)
        if dimensions and 0 < dimensions < model.embedding_length:
            embeddings = [normalise(v[:dimensions]) for v in embeddings]
        return {
            "model": name,
            "embeddings": embeddings,
            "total_duration": time.perf_counter_ns() - started,
            "load_duration": 1_000_000,
            "prompt_eval_count": sum(_words(t) for t in texts),
        }

    def api_chat(self, body: dict[str, Any]) -> dict[str, Any] | Iterator[dict[str, Any]]:
        started = time.perf_counter_ns()
        messages = _field(body, "messages", list) or []
        options = _field(body, "options", dict) or {}
        stream = _field(body, "stream", bool)
        images = [_decode_image(image) for message in messages for image in _images_of(message)]
        name = _field(body, "model", str)
        if not name:
            raise ApiError(400, "model is required")
        model = self._require(name)
        if "completion" not in model.capabilities:
            raise ApiError(400, f'"{name}" does not support chat')
        base = {"model": name, "created_at": _now()}
        if not messages:
            return base | {"message": {"role": "assistant", "content": ""}, "done_reason": "load", "done": True}

        call = ChatCall(model=model, messages=messages, options=options, images=images)
        pieces = re.findall(r"\s*\S+", self.chat_fn(call))
        limit = options.get("num_predict")
        done_reason = "stop"
        if isinstance(limit, int) and 0 <= limit < len(pieces):
            pieces, done_reason = pieces[:limit], "length"
        num_ctx = min(int(options.get("num_ctx") or DEFAULT_NUM_CTX), model.context_length)
        prompt_tokens = min(sum(_words(str(m.get("content", ""))) for m in messages), num_ctx)
        loaded = time.perf_counter_ns()

        def final() -> dict[str, Any]:
            now = time.perf_counter_ns()
            return {
                "model": name,
                "created_at": _now(),
                "message": {"role": "assistant", "content": "" if stream is not False else "".join(pieces)},
                "done_reason": done_reason,
                "done": True,
                "total_duration": now - started,
                "load_duration": loaded - started,
                "prompt_eval_count": prompt_tokens,
                "prompt_eval_duration": 1_000 * prompt_tokens,
                "eval_count": len(pieces),
                "eval_duration": now - loaded,
            }

        if stream is False:
            return final()

        def chunks() -> Iterator[dict[str, Any]]:
            broken = self._take_stream_break()
            for i, piece in enumerate(pieces):
                if broken and i == broken[0]:
                    yield {"error": broken[1]}
                    return
                yield {
                    "model": name,
                    "created_at": _now(),
                    "message": {"role": "assistant", "content": piece},
                    "done": False,
                }
            yield final()

        return chunks()

    def _require(self, name: str) -> OllamaModel:
        model = self.find_model(name)
        if model is None:
            raise ApiError(404, f"model '{name}' not found")
        return model

    def _describe(self, model: OllamaModel) -> dict[str, Any]:
        return {
            "modified_at": "2025-01-01T00:00:00.000000Z",
            "size": 2_019_393_189,
            "digest": hashlib.sha256(model.name.encode()).hexdigest(),
            "details": {
                "parent_model": "",
                "format": "gguf",
                "family": model.family,
                "families": [model.family],
                "parameter_size": model.parameter_size,
                "quantization_level": model.quantization_level,
            },
        }


def _field(body: dict[str, Any], key: str, kind: type) -> Any:
    """A field of the request, type-checked the way Go's JSON decoding refuses a wrong type."""
    value = body.get(key)
    if value is None or (isinstance(value, kind) and not (kind is int and isinstance(value, bool))):
        return value
    go = {str: "string", list: "[]api.Message", dict: "map[string]interface {}", bool: "bool", int: "int"}[kind]
    raise ApiError(400, f"json: cannot unmarshal {type(value).__name__} into Go struct field .{key} of type {go}")


def _images_of(message: Any) -> list[Any]:
    if not isinstance(message, dict):
        raise ApiError(400, "json: cannot unmarshal into Go struct field ChatRequest.messages of type api.Message")
    images = message.get("images") or []
    if not isinstance(images, list):
        raise ApiError(
            400, "json: cannot unmarshal into Go struct field Message.messages.images of type []api.ImageData"
        )
    return images


def _decode_image(data: Any) -> bytes:
    if not isinstance(data, str):
        raise ApiError(400, "json: cannot unmarshal into Go struct field Message.messages.images of type []byte")
    bad = next((i for i, ch in enumerate(data) if not _B64.match(ch)), None)
    try:
        if bad is None:
            return base64.b64decode(data, validate=True)
    except binascii.Error:
        bad = len(data)
    raise ApiError(400, f"illegal base64 data at input byte {bad}")


ROUTES: dict[str, dict[str, str]] = {
    "/": {"GET": "", "HEAD": ""},
    "/api/version": {"GET": "api_version", "HEAD": "api_version"},
    "/api/tags": {"GET": "api_tags", "HEAD": "api_tags"},
    "/api/show": {"POST": "api_show"},
    "/api/chat": {"POST": "api_chat"},
    "/api/embed": {"POST": "api_embed"},
}
