"""REST endpoints for API tokens: obtain one with a password, list, create and revoke your own."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import authenticate
from django.contrib.auth.models import User
from django.contrib.auth.signals import user_logged_in
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import exceptions, generics, permissions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from rag_app import throttles
from rag_app.accounts import selectors, services
from rag_app.accounts.models import ApiToken
from rag_app.auth import current_user
from rag_app.errors import ApplicationError
from rag_app.lockout import lockout_message, retry_after_seconds


class TokenOutputSerializer(serializers.ModelSerializer[ApiToken]):
    """A token as listed: never its secret."""

    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "created_at", "last_used_at", "expires_at"]


class NewTokenSerializer(TokenOutputSerializer):
    """A token just made: the only answer that carries its secret."""

    token = serializers.CharField(help_text="The secret: send it as `Authorization: Bearer <token>`.")

    class Meta(TokenOutputSerializer.Meta):
        fields = [*TokenOutputSerializer.Meta.fields, "token"]


class LockedOut(exceptions.Throttled):
    """Too many wrong passwords for this username from this address (django-axes)."""

    default_code = "locked_out"


def _created(token: ApiToken, secret: str, code: int = status.HTTP_201_CREATED) -> Response:
    body: dict[str, Any] = dict(TokenOutputSerializer(token).data)
    body["token"] = secret  # the only time it is sent
    return Response(body, status=code)


class TokenInputSerializer(serializers.Serializer[None]):
    name = serializers.CharField(max_length=services.MAX_NAME_CHARS)


class TokenListCreateApi(generics.ListAPIView[ApiToken]):
    """GET the caller's tokens; POST {"name"} creates one and returns its secret once (201)."""

    queryset = ApiToken.objects.none()
    serializer_class = TokenOutputSerializer

    def get_queryset(self) -> QuerySet[ApiToken]:
        return selectors.token_list(owner=current_user(self.request))

    @extend_schema(request=TokenInputSerializer, responses={201: NewTokenSerializer})
    def post(self, request: Request) -> Response:
        data = TokenInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return _created(*services.token_create(owner=current_user(request), name=data.validated_data["name"]))


class TokenDetailApi(APIView):
    """DELETE revokes a token: the caller's own, or any for staff."""

    @extend_schema(responses={204: None})
    def delete(self, request: Request, token_id: int) -> Response:
        token = get_object_or_404(selectors.token_revocable(user=current_user(request)), pk=token_id)
        services.token_revoke(token=token)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ObtainTokenInputSerializer(serializers.Serializer[None]):
    username = serializers.CharField()
    password = serializers.CharField(trim_whitespace=False)
    name = serializers.CharField(max_length=services.MAX_NAME_CHARS, required=False)


class ObtainTokenApi(APIView):
    """POST {"username", "password", "name"?}: a new named token for scripts; throttled and locked out."""

    authentication_classes: list[type] = []
    permission_classes = [permissions.AllowAny]
    throttle_classes = throttles.TOKEN

    @extend_schema(
        operation_id="auth_token_create",
        request=ObtainTokenInputSerializer,
        responses={200: NewTokenSerializer},
        examples=[OpenApiExample("Log in", value={"username": "alice", "password": "..."}, request_only=True)],
        auth=[],
    )
    def post(self, request: Request) -> Response:
        data = ObtainTokenInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = authenticate(request, username=data.validated_data["username"], password=data.validated_data["password"])
        if not isinstance(user, User):
            # axes flags the request it was given (its middleware only sees Django's request).
            if getattr(request, "axes_locked_out", False):
                raise LockedOut(wait=retry_after_seconds(request), detail=lockout_message(request))
            raise ApplicationError("Wrong username or password.", status=400, code="invalid_credentials")
        # A token is a login: last_login is kept, and axes forgets this user's failed attempts.
        user_logged_in.send(sender=type(user), request=request, user=user)
        name = data.validated_data.get("name") or "Obtained with a password"
        # 200 as DRF's obtain_auth_token answered: scripts written against it keep working.
        return _created(*services.token_create(owner=user, name=name), code=status.HTTP_200_OK)
