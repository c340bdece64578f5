"""REST URLs for the providers, included under /api/ in the "api" namespace."""

from django.urls import path

from rag_app.providers import api

urlpatterns = [
    path("health/", api.HealthApi.as_view(), name="health"),
]
