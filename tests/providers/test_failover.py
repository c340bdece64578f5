"""Failover, retries, the call log and in-flight caps, with a server that refuses connections.

The fallback here is the real local model; the real vLLM server's failover is in test_vllm.py.
"""

import pytest

from rag_app.providers import registry
from rag_app.providers.base import Endpoint, Message, ProviderError
from rag_app.providers.breaker import breaker_for
from rag_app.providers.config import RoleConfig
from rag_app.providers.local import CHAT_ENDPOINT
from rag_app.providers.models import ProviderCall

pytestmark = pytest.mark.django_db

DEAD = Endpoint(kind="vllm", model="smollm2", base_url="http://127.0.0.1:9/v1", timeout=2)
HELLO = [Message("user", "Say hello.")]


def test_chat_fails_over_to_the_fallback_and_records_who_served(settings):
    settings.CIRCUIT_FAILURES = 2
    model = registry.RoutedChatModel(RoleConfig("chat", primary=DEAD, fallback=CHAT_ENDPOINT))
    result = model.complete(HELLO, max_tokens=8, temperature=0)
    assert result.text
    assert (result.provider, result.model) == ("local", CHAT_ENDPOINT.model)
    calls = list(ProviderCall.objects.order_by("id").values_list("kind", "ok"))
    assert calls == [("vllm", False), ("local", True)]
    assert "unreachable" in ProviderCall.objects.get(kind="vllm").error
    assert ProviderCall.objects.get(kind="local").completion_tokens > 0


def test_circuit_opens_and_the_dead_server_is_not_called_again(settings):
    settings.CIRCUIT_FAILURES = 2
    settings.CIRCUIT_COOLDOWN = 3600  # no probe during the test, however slow the machine
    model = registry.RoutedChatModel(RoleConfig("chat", primary=DEAD, fallback=CHAT_ENDPOINT))
    for _ in range(4):
        model.complete(HELLO, max_tokens=4, temperature=0)
    assert breaker_for(DEAD).state == "open"
    assert ProviderCall.objects.filter(kind="vllm").count() == 2  # then the circuit kept it away
    assert ProviderCall.objects.filter(kind="local", ok=True).count() == 4


def test_without_fallback_transient_errors_are_retried_then_raised(settings):
    settings.PROVIDER_RETRIES = 1
    settings.CIRCUIT_FAILURES = 10
    model = registry.RoutedChatModel(RoleConfig("chat", primary=DEAD, fallback=None))
    with pytest.raises(ProviderError) as caught:
        model.complete(HELLO, max_tokens=4, temperature=0)
    assert caught.value.permanent is False
    assert ProviderCall.objects.filter(kind="vllm", ok=False).count() == 2


def test_permanent_errors_do_not_fail_over():
    too_long = [Message("user", "word " * 9000)]
    model = registry.RoutedChatModel(RoleConfig("chat", primary=CHAT_ENDPOINT, fallback=DEAD))
    with pytest.raises(ProviderError, match="exceeds the local model's context") as caught:
        model.complete(too_long, max_tokens=4, temperature=0)
    assert caught.value.permanent
    assert not ProviderCall.objects.filter(kind="vllm").exists()


def test_in_flight_cap_refuses_when_full():
    endpoint = Endpoint(kind="local", model=CHAT_ENDPOINT.model, max_in_flight=1, timeout=0.05)
    with registry._in_flight(endpoint), pytest.raises(ProviderError, match="1 requests already in flight"):  # noqa: SIM117
        with registry._in_flight(endpoint):
            pass
    with registry._in_flight(endpoint):  # released again
        pass


def test_embedder_batches_and_reports_progress():
    seen = []
    vectors = registry.embedder().embed(
        [f"text {i}" for i in range(10)], batch_size=4, on_progress=lambda d, t: seen.append((d, t))
    )
    assert len(vectors) == 10
    assert seen == [(4, 10), (8, 10), (10, 10)]
    # One call per batch: the bare embedder makes no index fingerprint probe (rag_app/index does that).
    assert list(ProviderCall.objects.filter(role="embeddings").order_by("id").values_list("inputs", flat=True)) == [
        4,
        4,
        2,
    ]
