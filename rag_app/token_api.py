"""POST /api/auth/token/: a username and password for the user's API token, throttled and locked out."""

from django.contrib.auth.signals import user_logged_in
from drf_spectacular.utils import OpenApiExample, extend_schema, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.request import Request
from rest_framework.response import Response

from rag_app import throttles
from rag_app.lockout import lockout_message, retry_after_seconds


class LockedOut(exceptions.Throttled):
    """Too many wrong passwords for this username from this address (django-axes)."""

    default_code = "locked_out"


class TokenApi(ObtainAuthToken):
    """Exchange a username and password for the user's token; send it as `Authorization: Token <key>`."""

    throttle_classes = throttles.TOKEN

    @extend_schema(
        operation_id="auth_token_create",
        request=AuthTokenSerializer,
        responses={200: inline_serializer("TokenOutput", {"token": serializers.CharField()})},
        examples=[OpenApiExample("Log in", value={"username": "alice", "password": "..."}, request_only=True)],
        auth=[],
    )
    def post(self, request: Request, *args: object, **kwargs: object) -> Response:
        serializer = self.get_serializer(data=request.data)
        try:
            serializer.is_valid(raise_exception=True)
        except exceptions.ValidationError:
            # axes flags the DRF request it was given; its middleware only sees Django's request.
            if getattr(request, "axes_locked_out", False):
                raise LockedOut(wait=retry_after_seconds(request), detail=lockout_message(request)) from None
            raise
        user = serializer.validated_data["user"]
        # A token is a login: last_login is kept, and axes forgets this user's failed attempts.
        user_logged_in.send(sender=type(user), request=request, user=user)
        token, _ = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})
