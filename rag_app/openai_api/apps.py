"""App config for the OpenAI-compatible API."""

from django.apps import AppConfig


class OpenaiApiConfig(AppConfig):
    """/v1/: what OpenAI clients (the SDK, LangChain, chat front ends) call."""

    name = "rag_app.openai_api"
    label = "openai_api"
