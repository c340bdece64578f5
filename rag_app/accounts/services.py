"""Writes for API tokens: create (returning the secret once) and revoke."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.utils import timezone

from rag_app.accounts.models import ApiToken
from rag_app.accounts.tokens import digest
from rag_app.errors import ApplicationError

SECRET_PREFIX = "rag_"
PREFIX_CHARS = 12  # "rag_" and 8 random characters: enough to tell a user's tokens apart, useless to guess
MAX_NAME_CHARS = 100


def token_create(*, owner: User, name: str) -> tuple[ApiToken, str]:
    """A new token and its secret (which is not kept: the caller shows it once)."""
    name = name.strip()
    if not name:
        raise ApplicationError("Give the token a name (e.g. where it will be used).", code="empty_name")
    if len(name) > MAX_NAME_CHARS:
        raise ApplicationError(f"The name is longer than {MAX_NAME_CHARS} characters.", code="too_long")
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    ttl = settings.API_TOKEN_TTL_DAYS
    token = ApiToken.objects.create(
        owner=owner,
        name=name,
        prefix=secret[:PREFIX_CHARS],
        digest=digest(secret),
        expires_at=timezone.now() + timedelta(days=ttl) if ttl else None,
    )
    return token, secret


def token_revoke(*, token: ApiToken) -> None:
    """Revoke a token: it stops working at once."""
    token.delete()
