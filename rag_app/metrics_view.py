"""GET /metrics for Prometheus: staff sessions, or `Authorization: Bearer <METRICS_TOKEN>`; nobody else."""

from __future__ import annotations

import hmac

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from rag_app import metrics


def _allowed(request: HttpRequest) -> bool:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if settings.METRICS_TOKEN and scheme.lower() == "bearer":
        return hmac.compare_digest(token.strip().encode(), settings.METRICS_TOKEN.encode())
    return bool(request.user.is_authenticated and request.user.is_staff)


@require_GET
def metrics_view(request: HttpRequest) -> HttpResponse:
    """Every figure of this deployment's processes, in Prometheus' text format."""
    if not _allowed(request):
        response = HttpResponse("Metrics are for staff, or send Authorization: Bearer METRICS_TOKEN.\n", status=401)
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        response["Content-Type"] = "text/plain; charset=utf-8"
        return response
    return HttpResponse(metrics.exposition(), content_type=metrics.CONTENT_TYPE)
