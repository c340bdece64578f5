"""Each request gets an id (the client's X-Request-ID when sensible), echoed back and on its log lines."""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase

from rag_app import logs

log = logging.getLogger("rag_app.requests")

HEADER = "X-Request-ID"
_ACCEPTED = re.compile(r"[A-Za-z0-9._:-]{1,128}")  # a proxy's id is kept; anything else could forge log fields


def request_id(request: HttpRequest) -> str:
    """The id the client (or the proxy in front) sent, or a new one."""
    sent = request.headers.get(HEADER, "")
    return sent if _ACCEPTED.fullmatch(sent) else uuid.uuid4().hex


def _level(request: HttpRequest, response: HttpResponseBase) -> int:
    if response.status_code >= 500:
        return logging.ERROR
    if response.status_code >= 400:
        return logging.WARNING
    return logging.DEBUG if request.path == "/metrics" else logging.INFO  # a scrape every 15 s is not news


class RequestIdMiddleware:
    """Binds the request id and the request (for its user) to the log context; one access line per request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        rid = request_id(request)
        started = time.monotonic()
        with logs.bind(request, request_id=rid):
            response = self.get_response(request)
            response[HEADER] = rid
            log.log(
                _level(request, response),
                "%s %s %s %.0f ms",
                request.method,
                request.path,
                response.status_code,
                (time.monotonic() - started) * 1000,
                extra={"method": request.method, "path": request.path, "status": response.status_code},
            )
            # Django would log a 4xx again after every middleware has returned, without the ids: this line says it.
            response._has_been_logged = True  # type: ignore[attr-defined]
        return response
