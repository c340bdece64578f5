"""Refuse uploads over MAX_UPLOAD_MB early: from Content-Length before the body is read, and as a file streams in.

Without this, Django reads the whole body (to a temporary file) before any view can look at its size:
a 60 MB upload was received in full, then answered 413.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse

MB = 1024 * 1024
FORM_ALLOWANCE = MB  # the multipart framing and other fields around the one file a request may carry
_REFUSED = "_uploads_over_limit"  # request attribute: names of files the handler dropped


def upload_limit() -> int:
    """The largest file accepted, in bytes."""
    return int(settings.MAX_UPLOAD_MB * MB)


class UploadLimitHandler(FileUploadHandler):
    """First in FILE_UPLOAD_HANDLERS: drops a file the moment it passes the limit, so nothing of it is kept.

    SkipFile makes Django close (and so delete) what the handlers after this one stored of it; the
    middleware then refuses the request, naming the file.
    """

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        """Pass the chunk on, unless the file has grown past the limit."""
        if start + len(raw_data) > upload_limit():
            refused: list[str] = getattr(self.request, _REFUSED, [])
            refused.append(self.file_name or "upload")
            setattr(self.request, _REFUSED, refused)
            raise SkipFile()
        return raw_data

    def file_complete(self, file_size: int) -> None:
        """The handlers after this one make the file object."""
        return None


class UploadLimitMiddleware:
    """Answers 413 (JSON on /api/) or the page with a message, before the body or the view is reached."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > upload_limit() + FORM_ALLOWANCE:
            limit = settings.MAX_UPLOAD_MB
            browser = " (one at a time without JavaScript)"
            message = f"The upload is {length / MB:.1f} MB; files of at most {limit} MB are accepted"
            return _refuse(request, message + ("." if _is_api(request) else browser + "."))
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Callable[..., Any], args: Any, kwargs: Any
    ) -> HttpResponse | None:
        """Parse a multipart body now (the API's views would parse it later) to refuse any file the handler dropped."""
        if request.method != "POST" or not (request.content_type or "").startswith("multipart/"):
            return None
        request.FILES  # noqa: B018 - parsed through UploadLimitHandler; DRF reuses the result
        refused = getattr(request, _REFUSED, [])
        if not refused:
            return None
        names = ", ".join(repr(name) for name in refused)
        return _refuse(request, f"{names} is larger than the {settings.MAX_UPLOAD_MB} MB limit; nothing was kept.")


def _is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith("/api/")


def _refuse(request: HttpRequest, message: str) -> HttpResponse:
    if _is_api(request):
        return JsonResponse({"error": {"code": "file_too_large", "message": message}}, status=413)
    messages.error(request, message)
    return HttpResponseRedirect(request.get_full_path(), status=303)  # back to the page, as GET
