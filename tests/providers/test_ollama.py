"""The Ollama adapter against the Ollama test double (tests/doubles/ollama.py).

Every test here runs against the double, not a real Ollama: no Ollama binary exists in any registry
this machine reaches. The double speaks Ollama's HTTP API as documented (status codes, field names,
NDJSON streaming), and the adapter talks to it through the official `ollama` SDK, so what is tested
is the adapter's use of the real protocol: what it sends, what it makes of the answers, how it fails.
"""

import base64
import struct
import threading
import zlib
from dataclasses import replace

import pytest

from rag_app.providers.base import ChatDelta, Endpoint, Message, ProviderError, Repetition, Usage
from rag_app.providers.ollama import (
    OllamaChatModel,
    OllamaEmbedder,
    OllamaVisionModel,
    canonical_name,
    check,
    client_for,
)
from tests.doubles.ollama import OllamaDouble, OllamaModel
from tests.processes import free_port

CHAT, VISION, EMBED = "llama3.2:3b", "llava:7b", "nomic-embed-text"
SOURCES = (
    "You answer questions using only the numbered sources below.\n\nSources:\n"
    "[1] (Budget 2025, page 3) The total budget for 2025 is 4.2 million euros, approved in March.\n\n"
    "[2] (Minutes) The board meets every second Tuesday."
)
QUESTION = [Message("system", SOURCES), Message("user", "What is the total budget?")]


def endpoint(double: OllamaDouble, model: str, **kwargs) -> Endpoint:
    return Endpoint(kind="ollama", model=model, base_url=double.url, **kwargs)


def png(width: int = 2, height: int = 1) -> bytes:
    """A real, decodable PNG (grey pixels)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def stream(double: OllamaDouble, **kwargs) -> list[ChatDelta]:
    model = OllamaChatModel(endpoint(double, CHAT, **kwargs))
    return list(model.stream(QUESTION, max_tokens=100, temperature=0.0))


# --- chat


def test_stream_yields_pieces_then_usage_from_the_final_counts(ollama_double):
    deltas = stream(ollama_double)

    texts = [d.text for d in deltas[:-1]]
    assert len(texts) > 5
    assert all(d.usage is None for d in deltas[:-1])
    assert (
        "".join(texts)
        == "According to the sources, The total budget for 2025 is 4.2 million euros, approved in March. [1]"
    )
    # The double counts a token per word of the prompt and a token per streamed piece.
    prompt_words = sum(len(m.content.split()) for m in QUESTION)
    assert deltas[-1] == ChatDelta(
        usage=Usage(prompt_tokens=prompt_words, completion_tokens=len(texts)), finish_reason="stop"
    )


def test_chat_sends_num_ctx_num_predict_temperature_and_keep_alive(ollama_double):
    model = OllamaChatModel(endpoint(ollama_double, CHAT, num_ctx=16384, keep_alive="30m"))

    list(model.stream(QUESTION, max_tokens=77, temperature=0.3))

    [sent] = ollama_double.requests_to("/api/chat")
    assert sent.body["options"] == {"num_ctx": 16384, "num_predict": 77, "temperature": 0.3}
    assert sent.body["keep_alive"] == "30m"
    assert sent.body["stream"] is True
    assert sent.body["model"] == CHAT
    assert sent.body["messages"] == [{"role": m.role, "content": m.content} for m in QUESTION]


def test_max_tokens_caps_the_answer(ollama_double):
    model = OllamaChatModel(endpoint(ollama_double, CHAT))

    deltas = list(model.stream(QUESTION, max_tokens=3, temperature=0.0))

    assert [d.text for d in deltas[:-1]] == ["According", " to", " the"]
    assert deltas[-1].usage is not None
    assert deltas[-1].usage.completion_tokens == 3
    assert deltas[-1].finish_reason == "length"  # the answer is marked truncated from this


def test_chat_sends_the_repeat_penalty(ollama_double):
    model = OllamaChatModel(endpoint(ollama_double, CHAT, num_ctx=2048))

    list(model.stream(QUESTION, max_tokens=5, temperature=0.0, repetition=Repetition(penalty=1.3)))

    [sent] = ollama_double.requests_to("/api/chat")
    assert sent.body["options"] == {"num_ctx": 2048, "num_predict": 5, "temperature": 0.0, "repeat_penalty": 1.3}


def test_complete_joins_the_stream_and_names_provider_and_model(ollama_double):
    result = OllamaChatModel(endpoint(ollama_double, CHAT)).complete(QUESTION, max_tokens=100, temperature=0.0)

    assert result.text.startswith("According to the sources,")
    assert result.text.endswith("[1]")
    assert (result.provider, result.model) == ("ollama", CHAT)
    assert result.usage.completion_tokens == len(result.text.split())


def test_concurrent_streams_share_one_client(ollama_double):
    model = OllamaChatModel(endpoint(ollama_double, CHAT))
    answers: list[str] = []

    def ask() -> None:
        answers.append(model.complete(QUESTION, max_tokens=100, temperature=0.0).text)

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    assert len(answers) == 8
    assert len(set(answers)) == 1
    assert len(ollama_double.requests_to("/api/chat")) == 8


def test_one_client_per_server_and_timeout():
    a = Endpoint(kind="ollama", model="x", base_url="http://127.0.0.1:1", timeout=5)

    assert client_for(a) is client_for(replace(a, model="y", num_ctx=1024))
    assert client_for(a) is not client_for(replace(a, timeout=6))
    assert client_for(a) is not client_for(replace(a, base_url="http://127.0.0.1:2"))
    fresh = replace(a, base_url="http://127.0.0.1:3")
    seen: list[object] = []
    threads = [threading.Thread(target=lambda: seen.append(client_for(fresh))) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({id(c) for c in seen}) == 1


# --- embeddings


def test_embed_batch_sends_every_text_in_one_request_and_keeps_order(ollama_double):
    texts = [f"chunk number {i} about topic {i % 7}" for i in range(40)]
    embedder = OllamaEmbedder(endpoint(ollama_double, EMBED, keep_alive="1h"))

    vectors = embedder.embed_batch(texts)

    [sent] = ollama_double.requests_to("/api/embed")
    assert sent.body["input"] == texts
    assert sent.body["keep_alive"] == "1h"
    assert sent.body["model"] == EMBED
    assert len(vectors) == 40
    assert all(len(v) == 768 for v in vectors)
    assert sum(x * x for x in vectors[0]) == pytest.approx(1.0)
    # Order: each vector equals the one the text gets on its own.
    assert vectors[17] == embedder.embed_one(texts[17])
    assert vectors[3] == embedder.embed_one(texts[3])
    assert vectors[3] != vectors[17]


def test_embed_in_batches_makes_one_request_per_batch(ollama_double):
    embedder = OllamaEmbedder(endpoint(ollama_double, EMBED))

    vectors = embedder.embed([f"text {i}" for i in range(10)], batch_size=4)

    assert len(vectors) == 10
    assert [len(r.body["input"]) for r in ollama_double.requests_to("/api/embed")] == [4, 4, 2]
    assert embedder.embed_batch([]) == []


def test_a_real_embedding_model_plugs_into_the_double(ollama_double):
    """The double serves vectors from the real local MiniLM model, so similarity means something."""
    from rag_app.providers.local import EMBED_ENDPOINT, LocalEmbedder

    ollama_double.models = [OllamaModel.embedding("all-minilm:latest", dimension=384, family="bert")]
    ollama_double.embed_fn = LocalEmbedder(EMBED_ENDPOINT).embed_batch
    embedder = OllamaEmbedder(endpoint(ollama_double, "all-minilm"))

    cat, kitten, invoice = embedder.embed_batch(["a cat sleeps", "a kitten naps", "the invoice is overdue"])

    def cosine(a, b):
        return sum(x * y for x, y in zip(a, b, strict=True))

    assert cosine(cat, kitten) > cosine(cat, invoice) + 0.2


# --- vision


def test_vision_sends_the_image_and_returns_the_caption(ollama_double):
    image = png()
    model = OllamaVisionModel(endpoint(ollama_double, VISION, keep_alive="2m"))

    result = model.describe(image, mime_type="image/png", prompt="Describe this figure.", max_tokens=64)

    [sent] = ollama_double.requests_to("/api/chat")
    [message] = sent.body["messages"]
    assert base64.b64decode(message["images"][0]) == image
    assert message["content"] == "Describe this figure."
    assert sent.body["options"]["num_predict"] == 64
    assert sent.body["keep_alive"] == "2m"
    assert result.text == f"The image is a PNG picture of {len(image)} bytes, described by the Ollama test double."
    assert (result.provider, result.model) == ("ollama", VISION)
    assert result.usage.completion_tokens == len(result.text.split())
    assert result.usage.prompt_tokens == 3


# --- health


def test_health_of_a_chat_model_lists_models_and_context_length(ollama_double):
    health = check(endpoint(ollama_double, CHAT), "chat")

    assert health.ok, health.error
    assert health.model_present
    assert health.models == ["llama3.2:3b", "llava:7b", "nomic-embed-text:latest"]
    assert health.context_length == 131072
    assert health.embedding_dimension is None
    assert health.error == ""
    assert [r.path for r in ollama_double.requests] == ["/api/tags", "/api/show"]


def test_health_of_an_embedding_model_reports_its_dimension(ollama_double):
    health = check(endpoint(ollama_double, EMBED), "embeddings")

    assert health.ok, health.error
    assert health.embedding_dimension == 768
    assert health.context_length == 2048


@pytest.mark.parametrize(("configured", "present"), [("llava", True), ("LLaVA:Latest", True), ("llava:13b", False)])
def test_health_matches_names_like_ollama(ollama_double, configured, present):
    ollama_double.models = [OllamaModel.vision("llava:latest")]

    health = check(endpoint(ollama_double, configured), "vision")

    assert health.model_present is present
    assert health.ok is present
    assert canonical_name(configured) == ("llava:latest" if present else "llava:13b")


def test_health_of_a_missing_model_says_how_to_pull_it(ollama_double):
    health = check(endpoint(ollama_double, "qwen2.5vl:7b"), "vision")

    assert not health.ok
    assert not health.model_present
    assert health.models == ["llama3.2:3b", "llava:7b", "nomic-embed-text:latest"]
    assert health.error == (
        f"model 'qwen2.5vl:7b' not found on {ollama_double.url}: run `ollama pull qwen2.5vl:7b` "
        "(the server has: llama3.2:3b, llava:7b, nomic-embed-text:latest)"
    )


@pytest.mark.parametrize(("model", "role", "lacks"), [(CHAT, "vision", "vision"), (CHAT, "embeddings", "embedding")])
def test_health_refuses_a_model_that_cannot_serve_the_role(ollama_double, model, role, lacks):
    health = check(endpoint(ollama_double, model), role)

    assert not health.ok
    assert health.model_present
    assert f"cannot serve {role}: it lacks '{lacks}'" in health.error


def test_health_of_an_unreachable_server_fails_without_raising():
    url = f"http://127.0.0.1:{free_port()}"

    health = check(Endpoint(kind="ollama", model=CHAT, base_url=url, timeout=2), "chat")

    assert not health.ok
    assert health.error.startswith(f"cannot reach Ollama at {url} (")
    assert health.error.endswith("): start it (`ollama serve`) or fix OLLAMA_URL")
    assert health.latency_ms >= 0


def test_health_measures_latency_and_reports_a_server_error(ollama_double):
    ollama_double.delay = 0.2
    ollama_double.fail_next(status=500, error="failed to load model", path="/api/show")

    health = check(endpoint(ollama_double, CHAT), "chat")

    assert not health.ok
    assert health.model_present
    assert "HTTP 500: failed to load model" in health.error
    assert health.latency_ms >= 400  # two requests, each delayed 0.2 s


# --- error mapping


@pytest.mark.parametrize(
    "call",
    [
        lambda ep: list(OllamaChatModel(ep).stream(QUESTION, max_tokens=10, temperature=0.0)),
        lambda ep: OllamaEmbedder(ep).embed_batch(["x"]),
        lambda ep: OllamaVisionModel(ep).describe(png(), mime_type="image/png", prompt="?", max_tokens=10),
    ],
    ids=["chat", "embed", "vision"],
)
def test_a_missing_model_is_permanent_and_says_how_to_pull_it(ollama_double, call):
    with pytest.raises(ProviderError) as caught:
        call(endpoint(ollama_double, "llava:13b"))

    assert caught.value.permanent is True
    assert caught.value.provider == "ollama"
    assert str(caught.value) == (
        f"model 'llava:13b' not found on {ollama_double.url}: run `ollama pull llava:13b` on that server "
        "(Ollama said: model 'llava:13b' not found)"
    )


@pytest.mark.parametrize(("status", "permanent"), [(500, False), (503, False), (429, False), (400, True)])
def test_server_errors_and_throttling_are_transient_other_refusals_permanent(ollama_double, status, permanent):
    ollama_double.fail_next(status=status, error="server busy, please try again")
    model = OllamaChatModel(endpoint(ollama_double, CHAT))

    with pytest.raises(ProviderError) as caught:
        model.complete(QUESTION, max_tokens=10, temperature=0.0)

    assert caught.value.permanent is permanent
    assert f"(HTTP {status}: server busy, please try again)" in str(caught.value)
    assert model.complete(QUESTION, max_tokens=10, temperature=0.0).text  # the fault was one request


def test_embedding_with_a_model_that_cannot_chat_is_a_permanent_refusal(ollama_double):
    with pytest.raises(ProviderError) as caught:
        OllamaChatModel(endpoint(ollama_double, EMBED)).complete(QUESTION, max_tokens=10, temperature=0.0)

    assert caught.value.permanent is True
    assert str(caught.value) == (
        f"Ollama at {ollama_double.url} refused generating an answer with '{EMBED}' "
        f'(HTTP 400: "{EMBED}" does not support chat); check the model name and that the model supports this role'
    )


def test_an_empty_model_name_is_permanent_and_names_the_setting(ollama_double):
    with pytest.raises(ProviderError) as caught:
        OllamaEmbedder(endpoint(ollama_double, "")).embed_batch(["x"])

    assert caught.value.permanent is True
    assert str(caught.value) == (
        f"invalid request for Ollama at {ollama_double.url} while embedding texts: "
        "String should have at least 1 character; check the configured model name ('')"
    )
    assert ollama_double.requests == []  # refused before sending


def test_connection_refused_is_transient():
    url = f"http://127.0.0.1:{free_port()}"

    with pytest.raises(ProviderError) as caught:
        OllamaEmbedder(Endpoint(kind="ollama", model=EMBED, base_url=url)).embed_batch(["x"])

    assert caught.value.permanent is False
    assert str(caught.value).startswith(f"cannot reach Ollama at {url} (")


def test_a_slow_server_times_out_as_transient(ollama_double):
    ollama_double.delay = 5

    with pytest.raises(ProviderError) as caught:
        stream(ollama_double, timeout=0.3)

    assert caught.value.permanent is False
    assert str(caught.value) == (
        f"Ollama at {ollama_double.url} did not answer within 0.3 s while generating an answer with '{CHAT}': "
        "it may be loading the model or overloaded; retry, or raise the timeout"
    )


def test_an_error_line_in_the_stream_is_transient(ollama_double):
    ollama_double.break_stream_after(2, error="error reading llm response: EOF")
    deltas = OllamaChatModel(endpoint(ollama_double, CHAT)).stream(QUESTION, max_tokens=50, temperature=0.0)
    received = [next(deltas).text, next(deltas).text]

    with pytest.raises(ProviderError) as caught:
        next(deltas)

    assert received == ["According", " to"]
    assert caught.value.permanent is False
    assert str(caught.value) == (
        f"Ollama at {ollama_double.url} failed while generating an answer with '{CHAT}' "
        "(mid-stream: error reading llm response: EOF); retrying may help, check the server's log if it persists"
    )


def test_a_url_that_is_not_ollama_is_permanent_and_says_so(ollama_double):
    ep = replace(endpoint(ollama_double, CHAT), base_url=f"{ollama_double.url}/v1")

    with pytest.raises(ProviderError) as caught:
        OllamaChatModel(ep).complete(QUESTION, max_tokens=10, temperature=0.0)

    assert caught.value.permanent is True
    assert str(caught.value) == (
        f"{ollama_double.url}/v1 has no Ollama API for generating an answer (HTTP 404: 404 page not found): "
        "set OLLAMA_URL to the Ollama server's root URL, e.g. http://127.0.0.1:11434"
    )


# --- a server that goes away


def test_a_stopped_server_is_transient_and_works_again_after_restart(ollama_double):
    embedder = OllamaEmbedder(endpoint(ollama_double, EMBED))
    client = client_for(embedder.endpoint)
    before = embedder.embed_one("hello")

    ollama_double.stop()
    with pytest.raises(ProviderError) as caught:
        embedder.embed_one("hello")
    assert caught.value.permanent is False
    assert "cannot reach Ollama" in str(caught.value)
    assert not check(embedder.endpoint, "embeddings").ok

    ollama_double.start()
    assert embedder.embed_one("hello") == before
    assert check(embedder.endpoint, "embeddings").ok
    assert client_for(embedder.endpoint) is client  # the same pooled client recovered


def test_a_server_stopped_mid_answer_is_transient_and_recovers(ollama_double):
    ollama_double.chunk_delay = 0.1
    deltas = OllamaChatModel(endpoint(ollama_double, CHAT)).stream(QUESTION, max_tokens=50, temperature=0.0)
    assert next(deltas).text == "According"

    ollama_double.stop()
    with pytest.raises(ProviderError) as caught:
        list(deltas)

    assert caught.value.permanent is False
    assert f"the connection to Ollama at {ollama_double.url} broke while generating an answer" in str(caught.value)
    ollama_double.chunk_delay = 0
    ollama_double.start()
    assert stream(ollama_double)[-1].usage is not None
