"""/healthz (liveness) and /readyz (readiness), answered before any other middleware runs.

They come first so that a probe is never redirected to https, refused for its Host header (Kubernetes
probes send the pod's IP), or made to touch a session: liveness touches nothing at all.
"""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse

from rag_app.ops.readiness import readiness


def liveness() -> HttpResponse:
    """The process is up and serving requests; no dependency is checked (restarting would not fix one)."""
    return JsonResponse({"status": "alive"})


def readiness_response() -> HttpResponse:
    """200 when the database, broker, Chroma and a worker per queue are there, else 503."""
    body = readiness()
    return JsonResponse(body, status=200 if body["status"] == "ready" else 503)


PROBES: dict[str, Callable[[], HttpResponse]] = {"/healthz": liveness, "/readyz": readiness_response}


class ProbeMiddleware:
    """Answers GET/HEAD on the probe paths itself; everything else goes on down the stack."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        probe = PROBES.get(request.path_info.rstrip("/"))
        if probe is not None and request.method in ("GET", "HEAD"):
            response = probe()
            response["Cache-Control"] = "no-store"
            return response
        return self.get_response(request)
