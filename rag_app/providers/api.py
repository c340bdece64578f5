"""GET /api/health/: each role's provider state for everyone; staff also get latency, errors, models."""

from typing import Any

from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from rag_app.providers.health import health_overview, health_refresh


def states_only(overview: dict[str, Any]) -> dict[str, Any]:
    """The overview without addresses, models, errors or details: what a monitor or a user may see."""
    return {
        "status": overview["status"],
        "roles": {
            role: {slot: view and {"state": view["state"]} for slot, view in slots.items()}
            for role, slots in overview["roles"].items()
        },
    }


class HealthApi(APIView):
    """Anyone gets the overall status and each role's states (for monitors); staff get the details.

    Staff can add ?refresh=1 to test every provider now instead of reading the last periodic check.
    """

    permission_classes = [AllowAny]

    def get(self, request: Request) -> Response:
        staff = request.user.is_authenticated and request.user.is_staff
        if request.query_params.get("refresh") and staff:
            health_refresh()
        overview = health_overview()
        code = 503 if overview["status"] == "down" else 200
        return Response(overview if staff else states_only(overview), status=code)
