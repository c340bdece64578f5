"""GET /api/health/: each role's provider state for everyone; staff also get latency, errors, models."""

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from rag_app.providers.health import health_overview, health_refresh
from rag_app.schema import error


class HealthSerializer(serializers.Serializer[None]):
    """The overall status and `roles`: each role's states for anyone, details for staff (null: no such slot)."""

    status = serializers.ChoiceField(choices=["ok", "degraded", "down"])
    roles = serializers.DictField(
        child=serializers.DictField(child=serializers.DictField(allow_null=True)),
        required=False,
        help_text="role -> primary/fallback -> {state}; staff also get kind, model, base_url, latency_ms, "
        "last_error, checked_at, details and circuit.",
    )


def states_only(overview: dict[str, Any]) -> dict[str, Any]:
    """The overview without addresses, models or errors: what a non-staff user may see."""
    roles = {
        role: {slot: (None if view is None else {"state": view["state"]}) for slot, view in slots.items()}
        for role, slots in overview["roles"].items()
    }
    return {"status": overview["status"], "roles": roles}


class HealthApi(APIView):
    """Anyone gets the overall status and each role's states (for monitors); staff get the details.

    Staff can add ?refresh=1 to test every provider now instead of reading the last periodic check.
    """

    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[OpenApiParameter("refresh", str, description="Staff: test every provider now (1).")],
        responses={200: HealthSerializer, 503: HealthSerializer, 401: error("A bad token was sent.")},
    )
    def get(self, request: Request) -> Response:
        staff = request.user.is_authenticated and request.user.is_staff
        if request.query_params.get("refresh") and staff:
            health_refresh()
        overview = health_overview()
        code = 503 if overview["status"] == "down" else 200
        return Response(overview if staff else states_only(overview), status=code)
