"""Request limits per user and per client IP for the costly endpoints: ask, upload, token.

Rates are settings (REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], from THROTTLE_* variables); a refused
request gets 429 with Retry-After. Counters live in the "throttle" cache (Redis when configured).
"""

from typing import Any

from django.core.cache import caches
from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView


class _Throttle(SimpleRateThrottle):
    """A scope's rate from settings, counted in the shared throttle cache; no rate means no limit."""

    def __init__(self) -> None:
        self.cache = caches["throttle"]
        super().__init__()

    def get_rate(self) -> str | None:
        # Read at each request, not at import (the base class's copy), so a changed setting counts.
        rate = api_settings.DEFAULT_THROTTLE_RATES.get(self.scope or "")
        return None if rate is None else str(rate)

    def allow_request(self, request: Request, view: APIView) -> bool:
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return True  # reading a list is cheap: the limits are for the work a POST starts
        return super().allow_request(request, view)


class _PerUser(_Throttle):
    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        if not request.user or not request.user.is_authenticated:
            return None  # the per-IP limit counts anonymous calls
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}


class _PerIp(_Throttle):
    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class AskUserThrottle(_PerUser):
    scope = "ask_user"


class AskIpThrottle(_PerIp):
    scope = "ask_ip"


class UploadUserThrottle(_PerUser):
    scope = "upload_user"


class UploadIpThrottle(_PerIp):
    scope = "upload_ip"


class TokenUserThrottle(_Throttle):
    """Counts token requests per username asked for, whoever asks (the caller is not signed in yet)."""

    scope = "token_user"

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        data: Any = request.data
        username = data.get("username") if hasattr(data, "get") else None
        if not isinstance(username, str) or not username:
            return None
        return self.cache_format % {"scope": self.scope, "ident": username.lower()[:150]}


class TokenIpThrottle(_PerIp):
    scope = "token_ip"


ASK = [AskUserThrottle, AskIpThrottle]
UPLOAD = [UploadUserThrottle, UploadIpThrottle]
TOKEN = [TokenUserThrottle, TokenIpThrottle]
