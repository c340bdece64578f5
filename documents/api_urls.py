"""REST URLs for documents, included under /api/ in the "api" namespace."""

from django.urls import path

from documents import api

urlpatterns = [
    path("documents/", api.DocumentListCreateApi.as_view(), name="documents"),
    path("documents/<int:document_id>/", api.DocumentDetailApi.as_view(), name="document"),
    path("documents/<int:document_id>/reingest/", api.DocumentReingestApi.as_view(), name="document-reingest"),
]
