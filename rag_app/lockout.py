"""What a locked-out login gets (django-axes): 429 with Retry-After, a page or the API's error shape."""

from typing import Any

from axes.helpers import get_cool_off
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from rag_app.errors import error_body


def retry_after_seconds(request: HttpRequest) -> int:
    """Seconds until the lockout ends (the whole cool-off: axes counts it from the last failure)."""
    cool_off = get_cool_off(request)
    return int(cool_off.total_seconds()) if cool_off else settings.AXES_COOLOFF_MINUTES * 60


def lockout_message(request: HttpRequest) -> str:
    minutes = max(1, round(retry_after_seconds(request) / 60))
    return (
        f"Too many failed logins for this username from your address: try again in {minutes} minutes, "
        "or ask an administrator to unlock the account."
    )


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: the login page's answer once the failure limit is reached."""
    message = lockout_message(request)
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse(error_body("locked_out", message), status=429)
    else:
        response = render(request, "registration/locked_out.html", {"message": message}, status=429)
    response["Retry-After"] = str(retry_after_seconds(request))
    return response
