"""Errors in OpenAI's shape, {"error": {"message", "type", "code"}}, so OpenAI clients raise the right exception."""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from rag_app.errors import ApplicationError

# OpenAI's error types by status; its clients pick their exception class from the status.
_TYPES = {
    400: "invalid_request_error",
    401: "invalid_request_error",
    403: "permission_error",
    404: "invalid_request_error",
    405: "invalid_request_error",
    429: "rate_limit_error",
}


def error_body(message: str, *, status_code: int, code: str | None) -> dict[str, dict[str, str | None]]:
    """The JSON of one error."""
    kind = _TYPES.get(status_code, "server_error" if status_code >= 500 else "invalid_request_error")
    return {"error": {"message": message, "type": kind, "param": None, "code": code}}


def _message(detail: Any) -> str:
    """DRF's error detail (a string, or fields with lists of strings) as one sentence."""
    if isinstance(detail, dict):
        return "; ".join(f"{field}: {_message(value)}" for field, value in detail.items())
    if isinstance(detail, list):
        return " ".join(_message(item) for item in detail)
    return str(detail)


def openai_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Every error of /v1/ in OpenAI's shape (DRF's own responses reshaped, headers such as Retry-After kept)."""
    if isinstance(exc, ApplicationError):
        return Response(
            error_body(exc.message, status_code=exc.status, code=exc.code), status=exc.status, headers=exc.headers()
        )
    response = exception_handler(exc, context)
    if response is None:
        return None
    code = None
    if isinstance(exc, exceptions.AuthenticationFailed | exceptions.NotAuthenticated):
        code = "invalid_api_key"
    elif isinstance(exc, exceptions.APIException):
        code = str(exc.get_codes()) if isinstance(exc.get_codes(), str) else "invalid"
    data = response.data
    detail = data.get("detail", data) if isinstance(data, dict) else data
    response.data = error_body(_message(detail), status_code=response.status_code, code=code)
    if response.status_code == status.HTTP_401_UNAUTHORIZED and "WWW-Authenticate" not in response:
        response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response
