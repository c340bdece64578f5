"""GET /api/health/: each role's provider, its state, latency and last error (never a key)."""

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
    """The overall status; with `roles` for signed-in users (a slot is null when none is configured)."""

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
    """Anyone gets the overall status (for monitors); signed-in users each role's state; staff the details.

    Staff can add ?refresh=1 to test every provider now instead of reading the last periodic check.
    """

    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[OpenApiParameter("refresh", str, description="Staff: test every provider now (1).")],
        responses={200: HealthSerializer, 503: HealthSerializer, 401: error("A bad token was sent.")},
    )
    def get(self, request: Request) -> Response:
        user = request.user
        if request.query_params.get("refresh") and user.is_authenticated and user.is_staff:
            health_refresh()
        overview = health_overview()
        code = 503 if overview["status"] == "down" else 200
        if not user.is_authenticated:
            return Response({"status": overview["status"]}, status=code)
        return Response(overview if user.is_staff else states_only(overview), status=code)
