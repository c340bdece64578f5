"""Reads for API tokens."""

from django.contrib.auth.models import User
from django.db.models import QuerySet

from rag_app.accounts.models import ApiToken


def token_list(*, owner: User) -> QuerySet[ApiToken]:
    """The user's own tokens, newest first."""
    return ApiToken.objects.filter(owner=owner)


def token_revocable(*, user: User) -> QuerySet[ApiToken]:
    """The tokens this user may revoke: their own, or every one for staff."""
    return ApiToken.objects.all() if user.is_staff else token_list(owner=user)
