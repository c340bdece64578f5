"""Provider kinds are listed once: the README's new kind is one module and one line, and it works."""

import re
import types

import pytest
from django.core.exceptions import ImproperlyConfigured

from rag_app.providers import config, kinds, registry
from rag_app.providers.base import Message
from rag_app.providers.models import ProviderSetting
from tests.processes import ROOT

pytestmark = pytest.mark.django_db


def readme_kind_module() -> types.ModuleType:
    """The README's example module, run as written."""
    readme = (ROOT / "README.md").read_text()
    code = re.search(r"```python\n(# rag_app/providers/llamacpp\.py\n.*?)```", readme, re.S)
    assert code, "the README shows how to add a provider kind"
    module = types.ModuleType("llamacpp")
    exec(compile(code.group(1), "README.md:llamacpp", "exec"), module.__dict__)
    return module


@pytest.fixture
def llamacpp(monkeypatch):
    """The README's kind added to the table: the one line the README asks for."""
    kind = readme_kind_module().KIND
    monkeypatch.setitem(kinds.KINDS, kind.name, kind)
    return kind


def test_every_kind_declares_what_the_app_needs():
    for name, kind in kinds.KINDS.items():
        assert kind.name == name
        assert kind.classes, name
        for role, cls in kind.classes.items():
            assert kind.endpoint(role).kind == name
            assert callable(cls)
    assert kinds.serving("vision") == ["vllm", "ollama"]


def test_the_readme_kind_serves_every_role_and_is_a_valid_choice(llamacpp, settings, monkeypatch):
    assert set(llamacpp.classes) == {"chat", "embeddings", "vision"}
    monkeypatch.setenv("LLAMACPP_URL", "http://llama.internal:8080/v1")
    endpoint = kinds.env_endpoint("llamacpp", "chat")
    assert (endpoint.kind, endpoint.base_url) == ("llamacpp", "http://llama.internal:8080/v1")
    settings.LLM_PROVIDER = "llamacpp"
    config.check_environment()  # accepted at start-up
    assert ("llamacpp", "llamacpp") in ProviderSetting._meta.get_field("kind").choices
    assert "Start llama-server at http://llama.internal:8080/v1" in llamacpp.advice(endpoint)


def test_an_unknown_kind_stops_start_up_naming_the_variable_and_the_choices(settings):
    settings.VISION_PROVIDER = "local"
    with pytest.raises(ImproperlyConfigured, match=r"VISION_PROVIDER='local' is invalid: expected one of vllm, ollama"):
        config.check_environment()


@pytest.mark.vllm
def test_a_new_openai_compatible_kind_answers_through_the_whole_provider_path(
    llamacpp, settings, monkeypatch, vllm_servers
):
    # The real vLLM CPU chat server stands in for llama-server: both speak the OpenAI API.
    monkeypatch.setenv("LLAMACPP_URL", settings.VLLM_URL)
    monkeypatch.setenv("LLAMACPP_MODEL", settings.VLLM_CHAT_MODEL)
    settings.LLM_PROVIDER = "llamacpp"
    result = registry.chat_model().complete([Message("user", "Say hello.")], max_tokens=8, temperature=0)
    assert result.text
    assert (result.provider, result.model) == ("llamacpp", settings.VLLM_CHAT_MODEL)
    assert registry.chat_model().context_length() == 2048  # vLLM's max_model_len, read through the new kind
