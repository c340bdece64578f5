"""A real vLLM chat server stopped mid-run: chat fails over to the fallback, then comes back.

The test runs its own vLLM chat server (on a free port, --enforce-eager for a quick start) so that
stopping it disturbs no other test; the fallback is the real local model.
"""

import pytest

from rag_app.providers import registry
from rag_app.providers.base import Message
from rag_app.providers.breaker import breaker_for
from rag_app.providers.config import RoleConfig
from rag_app.providers.local import CHAT_ENDPOINT
from rag_app.providers.models import ProviderCall
from tests.processes import free_port
from tests.providers.vllm import chat_endpoint, serve

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("vllm_servers")]

QUESTION = [Message("user", "Name a colour.")]


@pytest.fixture
def own_chat_server(tmp_path, monkeypatch):
    port = free_port()
    monkeypatch.setenv("VLLM_CHAT_PORT", str(port))
    monkeypatch.setenv("RAG_VLLM_RUN", str(tmp_path))
    monkeypatch.setenv("VLLM_ENFORCE_EAGER", "1")
    serve("start", "chat")
    serve("wait", "900", "chat")
    yield chat_endpoint(base_url=f"http://127.0.0.1:{port}/v1", timeout=30)
    serve("stop", "chat")


def served_by(model):
    return model.complete(QUESTION, max_tokens=8, temperature=0).provider


def test_stopped_server_fails_over_then_recovers_when_it_returns(own_chat_server, settings):
    settings.CIRCUIT_FAILURES = 1
    settings.PROVIDER_FIRST_TOKEN_TIMEOUT = 60  # a second CPU server on a busy core: slow is not down here
    settings.CIRCUIT_COOLDOWN = 3600  # no probe while the server is down, however slow the machine
    model = registry.RoutedChatModel(RoleConfig("chat", primary=own_chat_server, fallback=CHAT_ENDPOINT))
    assert served_by(model) == "vllm"

    serve("stop", "chat")
    assert served_by(model) == "local"  # failed over, and the circuit opened
    assert breaker_for(own_chat_server).state == "open"
    assert served_by(model) == "local"
    failures = ProviderCall.objects.filter(kind="vllm", ok=False)
    assert failures.count() == 1  # the open circuit kept further calls away
    assert "unreachable" in failures.get().error

    serve("start", "chat")
    serve("wait", "900", "chat")
    breaker_for(own_chat_server).cooldown = 0  # the cooldown is over: the next call probes
    assert served_by(model) == "vllm"  # the probe went through and closed the circuit
    assert breaker_for(own_chat_server).state == "closed"
