"""REST URLs for API tokens, included under /api/ in the "api" namespace."""

from django.urls import path

from rag_app.accounts import api

urlpatterns = [
    path("auth/token/", api.ObtainTokenApi.as_view(), name="token"),
    path("tokens/", api.TokenListCreateApi.as_view(), name="tokens"),
    path("tokens/<int:token_id>/", api.TokenDetailApi.as_view(), name="token-detail"),
]
