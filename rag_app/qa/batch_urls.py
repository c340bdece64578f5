"""REST URLs for batches of questions, included under /api/ask/batch/ in the "api" namespace."""

from django.urls import path

from rag_app.qa import batch_api

urlpatterns = [
    path("", batch_api.BatchListCreateApi.as_view(), name="batches"),
    path("<int:batch_id>/", batch_api.BatchDetailApi.as_view(), name="batch"),
    path("<int:batch_id>/results.csv", batch_api.BatchResultsApi.as_view(), {"fmt": "csv"}, name="batch-results-csv"),
    path(
        "<int:batch_id>/results.json", batch_api.BatchResultsApi.as_view(), {"fmt": "json"}, name="batch-results-json"
    ),
]
