"""URLs of the OpenAI-compatible API, under /v1/ (clients add /v1 to their base URL themselves)."""

from django.urls import path

from rag_app.openai_api import views

app_name = "openai_api"
urlpatterns = [
    path("models", views.ModelListApi.as_view(), name="models"),
    path("chat/completions", views.ChatCompletionsApi.as_view(), name="chat-completions"),
]
