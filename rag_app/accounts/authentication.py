"""DRF authentication by API token: `Authorization: Bearer <token>` (what OpenAI clients send) or `Token <token>`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth.models import User
from rest_framework import authentication, exceptions
from rest_framework.request import Request

if TYPE_CHECKING:
    from rag_app.accounts.models import ApiToken

KEYWORDS = ("bearer", "token")  # "Token" is DRF's keyword, kept for integrations written against it


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """Finds the token by its digest; an unknown, revoked or expired token is refused, never ignored."""

    def authenticate(self, request: Request) -> tuple[User, ApiToken] | None:
        parts = authentication.get_authorization_header(request).split()
        if not parts or parts[0].decode(errors="replace").lower() not in KEYWORDS:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed("Send the token as `Authorization: Bearer <token>`.")
        try:
            secret = parts[1].decode()
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("The token has characters no token has.") from None
        # Imported here: DRF loads this class while apps are still loading, before models can be imported.
        from rag_app.accounts.tokens import token_authenticate

        token = token_authenticate(secret)
        if token is None:
            raise exceptions.AuthenticationFailed("Unknown, revoked or expired token.")
        return token.owner, token

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'
