"""Picks the provider for each role from settings; one instance per process."""

from functools import cache

from django.conf import settings

from rag_app.providers.base import ChatModel, Embedder


@cache
def chat_model() -> ChatModel:
    """The chat model configured for this process."""
    if settings.LLM_PROVIDER == "local":
        from rag_app.providers.local import CHAT_ENDPOINT, LocalChatModel

        return LocalChatModel(CHAT_ENDPOINT)
    raise NotImplementedError(settings.LLM_PROVIDER)


@cache
def embedder() -> Embedder:
    """The embedder configured for this process."""
    if settings.LLM_PROVIDER == "local":
        from rag_app.providers.local import EMBED_ENDPOINT, LocalEmbedder

        return LocalEmbedder(EMBED_ENDPOINT)
    raise NotImplementedError(settings.LLM_PROVIDER)
