"""The OpenAPI schema's shared parts: the one error shape, added to every operation, and SSE responses."""

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers
from rest_framework.permissions import AllowAny


class ErrorDetailSerializer(serializers.Serializer[None]):
    """What went wrong: a stable code for programs, a message for people."""

    code = serializers.CharField(help_text="Stable, e.g. invalid, not_authenticated, not_found, throttled.")
    message = serializers.CharField()
    fields = serializers.DictField(  # type: ignore[assignment]  # the field is named as the body has it
        required=False, help_text="Per input field, its problems (code invalid)."
    )
    support_id = serializers.CharField(required=False, help_text="Quote it to support; they see the details.")


class ErrorSerializer(serializers.Serializer[None]):
    """Every error the API answers, whatever the status."""

    error = ErrorDetailSerializer()


def error(description: str) -> OpenApiResponse:
    return OpenApiResponse(ErrorSerializer, description=description)


_ERRORS = {
    "400": error("The input is invalid: `fields` says where."),
    "401": error("No or bad credentials (`WWW-Authenticate: Token`)."),
    "403": error("Signed in, but not allowed (e.g. a session without its CSRF token)."),
    "404": error("Not found, or not yours (or an unknown ?format=)."),
    "429": error(
        "Too many requests (throttled, locked out, or code `busy`: the answer workers are full): wait `Retry-After` s."
    ),
}

SSE_EVENTS = (
    "Server-Sent Events: `meta` {answer_id, conversation_id}; `token` {text}...; `citations` {citations, "
    "text, html}; then `done` {answer_id, status, duration_ms} or `error` {code, message, support_id?}. "
    "Each event has an `id:` to resume from (Last-Event-ID or ?after=)."
)


SSE_EVENT_SCHEMA = {
    "type": "object",
    "description": "One event of the stream (its `data` is JSON text). " + SSE_EVENTS,
    "required": ["event", "data"],
    "properties": {
        "event": {"type": "string", "enum": ["meta", "token", "citations", "done", "error"]},
        "data": {"type": "string", "description": "JSON text: the event's fields."},
        "id": {"type": "string", "description": "Resume after it with Last-Event-ID."},
    },
}


def sse_response(description: str = SSE_EVENTS) -> OpenApiResponse:
    """A text/event-stream body: the schema is that of each event, as OpenAPI 3.2 and fuzzers read it."""
    return OpenApiResponse({**SSE_EVENT_SCHEMA, "description": description}, description=description)


class ApiSchema(AutoSchema):
    """drf-spectacular's schema plus the error responses every operation can give."""

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses: dict[str, Any] = super()._get_response_bodies(direction)
        anonymous = any(isinstance(p, AllowAny) for p in self.view.get_permissions())
        wanted = ["400"]
        if not anonymous or self.view.get_authenticators():
            wanted += ["401", "403"]
        # Ids in the path or the body (answer_id, conversation_id...) may be unknown or someone else's;
        # DRF also answers an unknown ?format= with 404.
        if "{" in self.path or self.method != "GET" or self._get_format_parameters():
            wanted.append("404")
        if self.view.get_throttles() and self.method != "GET":  # rag_app/throttles.py counts no reads
            wanted.append("429")
        for code in wanted:
            if code not in responses:
                responses[code] = self._get_response_for_code(  # type: ignore[no-untyped-call]
                    _ERRORS[code], code, direction=direction
                )
        return dict(sorted(responses.items()))


class ApiTokenScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    """API tokens (rag_app/accounts): `Authorization: Bearer <token>`; `Token <token>` is accepted too."""

    target_class = "rag_app.accounts.authentication.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: AutoSchema) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API token from /accounts/tokens/ or POST /api/auth/token/.",
        }
