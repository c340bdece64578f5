"""URLs of the OpenAI-compatible API, under /v1/."""

from django.urls import URLPattern

app_name = "openai_api"
urlpatterns: list[URLPattern] = []
