"""GET /api/health/: each role's provider, its state, latency and last error (never a key)."""

from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from rag_app.providers.health import health_overview, health_refresh


class HealthApi(APIView):
    """Anyone gets the overall status (for monitors); signed-in users get the detail.

    Staff can add ?refresh=1 to test every provider now instead of reading the last periodic check.
    """

    permission_classes = [AllowAny]

    def get(self, request: Request) -> Response:
        user = request.user
        if request.query_params.get("refresh") and user.is_authenticated and user.is_staff:
            health_refresh()
        overview = health_overview()
        code = 503 if overview["status"] == "down" else 200
        if not user.is_authenticated:
            return Response({"status": overview["status"]}, status=code)
        return Response(overview, status=code)
