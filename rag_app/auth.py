"""The signed-in user of a request, typed as a real User."""

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from rest_framework.request import Request


def current_user(request: HttpRequest | Request) -> User:
    """Return the request's user, refusing anonymous ones (views also require login)."""
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied("Log in first.")
    return user
