"""The documents' figures read at each scrape of /metrics: how many documents are in each status."""

from __future__ import annotations

from django.db.models import Count
from prometheus_client.core import GaugeMetricFamily

from documents.models import Document
from rag_app import metrics


def document_status_metrics() -> list[GaugeMetricFamily]:
    """rag_documents: everyone's documents per status, every status listed (0 included)."""
    counts: dict[str, float] = dict.fromkeys(Document.Status.values, 0.0)
    for row in Document.objects.order_by().values("status").annotate(n=Count("pk")):
        counts[row["status"]] = float(row["n"])
    return [metrics.gauge("rag_documents", "Documents by status.", "status", counts)]
