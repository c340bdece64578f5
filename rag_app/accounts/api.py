"""REST endpoints for API tokens: obtain one with a password, list, create and revoke your own."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import authenticate
from django.contrib.auth.models import User
from django.shortcuts import get_object_or_404
from rest_framework import permissions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from rag_app.accounts import selectors, services
from rag_app.accounts.models import ApiToken
from rag_app.auth import current_user
from rag_app.errors import ApplicationError
from rag_app.pagination import paginated_response


class TokenOutputSerializer(serializers.ModelSerializer[ApiToken]):
    """A token as listed: never its secret."""

    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "created_at", "last_used_at", "expires_at"]


def _created(token: ApiToken, secret: str, code: int = status.HTTP_201_CREATED) -> Response:
    body: dict[str, Any] = dict(TokenOutputSerializer(token).data)
    body["token"] = secret  # the only time it is sent
    return Response(body, status=code)


class TokenListCreateApi(APIView):
    """GET the caller's tokens; POST {"name"} creates one and returns its secret once (201)."""

    class InputSerializer(serializers.Serializer[None]):
        name = serializers.CharField(max_length=services.MAX_NAME_CHARS)

    def get(self, request: Request) -> Response:
        tokens = selectors.token_list(owner=current_user(request))
        return paginated_response(tokens, TokenOutputSerializer, request, self)

    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return _created(*services.token_create(owner=current_user(request), name=data.validated_data["name"]))


class TokenDetailApi(APIView):
    """DELETE revokes a token: the caller's own, or any for staff."""

    def delete(self, request: Request, token_id: int) -> Response:
        token = get_object_or_404(selectors.token_revocable(user=current_user(request)), pk=token_id)
        services.token_revoke(token=token)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ObtainTokenApi(APIView):
    """POST {"username", "password", "name"?}: a new named token for scripts ({"token", ...})."""

    authentication_classes: list[type] = []
    permission_classes = [permissions.AllowAny]

    class InputSerializer(serializers.Serializer[None]):
        username = serializers.CharField()
        password = serializers.CharField(trim_whitespace=False)
        name = serializers.CharField(max_length=services.MAX_NAME_CHARS, required=False)

    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = authenticate(request, username=data.validated_data["username"], password=data.validated_data["password"])
        if not isinstance(user, User):
            raise ApplicationError("Wrong username or password.", status=400, code="invalid_credentials")
        name = data.validated_data.get("name") or "Obtained with a password"
        # 200 as DRF's obtain_auth_token answered: scripts written against it keep working.
        return _created(*services.token_create(owner=user, name=name), code=status.HTTP_200_OK)
