"""The domain error type, the base of every outside service's error, and the one DRF handler for all errors.

Every API error has one shape: {"error": {"code", "message", "fields"?, "support_id"?}}.
"""

from typing import Any

import kombu.exceptions
import redis
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from rest_framework import exceptions
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import exception_handler


class ServiceError(Exception):
    """A service we depend on (a model server, the vector store) failed.

    `permanent` says whether retrying the same call can help; `provider` names the service.
    """

    def __init__(self, message: str, *, permanent: bool, provider: str = "") -> None:
        super().__init__(message)
        self.permanent = permanent
        self.provider = provider


class ApplicationError(Exception):
    """A failure the user can act on; `status` is the HTTP status the API answers with."""

    def __init__(
        self,
        message: str,
        *,
        status: int = 400,
        code: str = "invalid",
        support_id: str = "",
        retry_after: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.support_id = support_id
        self.retry_after = retry_after  # seconds, sent as Retry-After (a busy refusal)

    def headers(self) -> dict[str, str]:
        """The HTTP headers that go with this error."""
        return {} if self.retry_after is None else {"Retry-After": str(self.retry_after)}


def error_body(code: str, message: str, **extra: Any) -> dict[str, Any]:
    """The one error shape; extra keys (fields, support_id) only when they say something."""
    return {"error": {"code": code, "message": message, **{k: v for k, v in extra.items() if v}}}


def _code(exc: exceptions.APIException) -> str:
    codes = exc.get_codes()
    return codes if isinstance(codes, str) else exc.default_code


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Render ApplicationError and every DRF error (400-429, Django's 404 and 403) in the one shape.

    DRF's own handler still runs first for its headers (WWW-Authenticate, Retry-After, Allow).
    Errors are always JSON, also for a client that asked for an event stream.
    """
    request = context.get("request")
    if request is not None and getattr(getattr(request, "accepted_renderer", None), "format", "") in ("sse", "csv"):
        request.accepted_renderer, request.accepted_media_type = JSONRenderer(), JSONRenderer.media_type
    if isinstance(exc, ApplicationError):
        return Response(
            error_body(exc.code, exc.message, support_id=exc.support_id), status=exc.status, headers=exc.headers()
        )
    if isinstance(exc, redis.RedisError | kombu.exceptions.OperationalError):  # the queue's Redis is down
        message = "The message queue (Redis) is unavailable; try again in a minute."
        return Response(error_body("queue_unavailable", message), status=503)
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        fields = response.data if isinstance(response.data, dict) else {"non_field_errors": response.data}
        response.data = error_body("invalid", "Invalid input.", fields=fields)
    elif isinstance(exc, exceptions.APIException):
        response.data = error_body(_code(exc), str(exc.detail))
    else:  # Http404 and PermissionDenied, turned into DRF's by exception_handler
        detail = response.data.get("detail", "") if isinstance(response.data, dict) else ""
        code = "not_found" if response.status_code == 404 else "permission_denied"
        response.data = error_body(code, str(detail))
    return response


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Django's 404 page, but the one error shape for a URL under /api/ that matches no endpoint."""
    if request.path.startswith("/api/"):
        return JsonResponse(error_body("not_found", f"No endpoint at {request.path}."), status=404)
    return defaults.page_not_found(request, exception)
