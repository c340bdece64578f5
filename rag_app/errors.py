"""The domain error type, the base of every outside service's error, and the DRF handler for both."""

from typing import Any

import kombu.exceptions
import redis
from rest_framework import status
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

    def __init__(self, message: str, *, status: int = 400, code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Render ApplicationError as {"error": {"code", "message"}}; defer to DRF otherwise.

    Errors are always JSON, also for a client that asked for an event stream.
    """
    request = context.get("request")
    if request is not None and getattr(getattr(request, "accepted_renderer", None), "format", "") == "sse":
        request.accepted_renderer, request.accepted_media_type = JSONRenderer(), JSONRenderer.media_type
    if isinstance(exc, ApplicationError):
        return Response({"error": {"code": exc.code, "message": exc.message}}, status=exc.status)
    if isinstance(exc, redis.RedisError | kombu.exceptions.OperationalError):  # the queue's Redis is down
        message = "The message queue (Redis) is unavailable; try again in a minute."
        return Response({"error": {"code": "queue_unavailable", "message": message}}, status=503)
    response = exception_handler(exc, context)
    if response is not None and response.status_code == status.HTTP_400_BAD_REQUEST:
        response.data = {"error": {"code": "invalid", "message": "Invalid input.", "fields": response.data}}
    return response
