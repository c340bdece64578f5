"""Which endpoint serves each role: environment first, admin rows override at run time."""

import pytest

from rag_app.providers import config
from rag_app.providers.models import ProviderSetting

pytestmark = pytest.mark.django_db


def test_llm_provider_vllm_uses_separate_chat_and_embedding_servers(settings):
    settings.LLM_PROVIDER = "vllm"
    settings.VLLM_URL = "http://chat:8000/"
    settings.VLLM_EMBED_URL = "http://embed:8000/v1"
    settings.VLLM_API_KEY = "secret"
    chat = config.role_config("chat").primary
    embeddings = config.role_config("embeddings").primary
    assert (chat.kind, chat.base_url, chat.model, chat.api_key) == ("vllm", "http://chat:8000/", "smollm2", "secret")
    assert (embeddings.base_url, embeddings.model) == ("http://embed:8000/v1", "minilm")
    assert "secret" not in repr(chat)


def test_rollback_switch_moves_chat_and_embeddings_to_ollama(settings):
    settings.LLM_PROVIDER = "ollama"
    settings.OLLAMA_URL = "http://ollama:11434"
    settings.OLLAMA_NUM_CTX = 16384
    chat = config.role_config("chat").primary
    assert (chat.kind, chat.model, chat.num_ctx) == ("ollama", "llama3.1:8b", 16384)
    assert config.role_config("embeddings").primary.model == "all-minilm"


def test_chat_fallback_but_never_for_embeddings(settings):
    settings.LLM_PROVIDER = "vllm"
    settings.LLM_FALLBACK_PROVIDER = "local"
    assert config.role_config("chat").fallback.kind == "local"
    assert config.role_config("embeddings").fallback is None


def test_vision_is_off_by_default_and_ollama_llava_when_chosen(settings):
    assert config.role_config("vision").primary is None
    settings.VISION_PROVIDER = "ollama"
    assert config.role_config("vision").primary.model == settings.OLLAMA_VISION_MODEL == "llava:7b"


def test_admin_row_overrides_the_environment_without_restart(settings):
    settings.LLM_PROVIDER = "local"
    assert config.role_config("chat").primary.kind == "local"
    ProviderSetting.objects.create(role="chat", slot="primary", kind="vllm", model="big-model", timeout_seconds=5)
    chat = config.role_config("chat").primary  # the save signal cleared this process's cache
    assert (chat.kind, chat.model, chat.base_url, chat.timeout) == ("vllm", "big-model", settings.VLLM_URL, 5)
    ProviderSetting.objects.filter(role="chat").update(enabled=False)  # no signal: another process's view
    settings.PROVIDER_CONFIG_TTL = 0
    assert config.role_config("chat").primary.kind == "local"


def test_admin_fallback_row_for_embeddings_is_ignored(settings):
    ProviderSetting.objects.create(role="embeddings", slot="fallback", kind="ollama")
    assert config.role_config("embeddings").fallback is None
