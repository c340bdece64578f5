"""Check a presented secret: find its token by digest, refuse expired ones, note the last use."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from django.utils import timezone

from rag_app.accounts.models import ApiToken

LAST_USED_EVERY = timedelta(minutes=1)  # at most one write per token per minute, not one per request


def digest(secret: str) -> str:
    """How a secret is stored and looked up."""
    return hashlib.sha256(secret.encode()).hexdigest()


def token_authenticate(secret: str) -> ApiToken | None:
    """The live token with this secret (its last use recorded), None for an unknown or expired one."""
    token = ApiToken.objects.select_related("owner").filter(digest=digest(secret)).first()
    now = timezone.now()
    if token is None or not token.owner.is_active or (token.expires_at is not None and token.expires_at <= now):
        return None
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
