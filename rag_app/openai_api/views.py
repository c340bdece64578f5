"""The OpenAI-compatible endpoints: GET /v1/models and POST /v1/chat/completions, by API token."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpResponseBase, StreamingHttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, renderers, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from rag_app.accounts.authentication import ApiTokenAuthentication
from rag_app.auth import current_user
from rag_app.errors import ApplicationError
from rag_app.openai_api import completions, selectors, services
from rag_app.openai_api.errors import openai_exception_handler
from rag_app.qa import sse
from rag_app.qa.models import Answer

OWNED_BY = "rag-app"


class OpenAIView(APIView):
    """Bearer token only (what OpenAI clients send), JSON only, errors in OpenAI's shape."""

    authentication_classes = [ApiTokenAuthentication]  # first, so a missing token is a 401 with WWW-Authenticate
    permission_classes = [permissions.IsAuthenticated]
    renderer_classes = [renderers.JSONRenderer]

    def get_exception_handler(self) -> Callable[[Exception, dict[str, Any]], Response | None]:
        return openai_exception_handler


# Not in /api/schema/: these two follow OpenAI's own API reference, which their clients are built from.
@extend_schema(exclude=True)
class ModelListApi(OpenAIView):
    """GET the models: `rag` (all your documents and notes) and `rag:<tag>` per note tag."""

    def get(self, request: Request) -> Response:
        ids = selectors.model_ids(owner=current_user(request))
        data = [{"id": i, "object": "model", "created": 0, "owned_by": OWNED_BY} for i in ids]
        return Response({"object": "list", "data": data})


@extend_schema(exclude=True)
class ChatCompletionsApi(OpenAIView):
    """POST {"model", "messages", "stream"?}: the answer to the last user message from your own sources.

    Other OpenAI parameters (temperature, max_tokens...) are accepted and ignored: the app's settings decide.
    """

    class InputSerializer(serializers.Serializer[None]):
        model = serializers.CharField(max_length=200)
        messages = serializers.ListField(child=serializers.DictField(), allow_empty=False)
        stream = serializers.BooleanField(required=False, default=False)

    def post(self, request: Request) -> HttpResponseBase:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        model = data.validated_data["model"]
        answer = services.chat_answer_create(
            owner=current_user(request), model=model, messages=data.validated_data["messages"]
        )
        if data.validated_data["stream"]:
            response = StreamingHttpResponse(completions.chunks(answer, model), content_type="text/event-stream")
            response["Cache-Control"] = "no-cache"
            response["X-Accel-Buffering"] = "no"  # nginx: pass chunks on as they come
            return response
        answer = sse.wait(answer)
        if answer.status != Answer.Status.DONE:
            raise ApplicationError(
                answer.error or "The answer could not be generated.", status=503, code="provider_unavailable"
            )
        return Response(completions.completion(answer, model))
