"""REST endpoints for questions, answers (with provenance and their event stream) and conversations."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpResponseBase, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from rest_framework import renderers, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from notes.api import NoteOutputSerializer
from rag_app.auth import current_user
from rag_app.errors import ApplicationError
from rag_app.pagination import paginated_response
from rag_app.qa import save_note, selectors, services, sse
from rag_app.qa.models import Answer, Conversation


class AnswerOutputSerializer(serializers.ModelSerializer[Answer]):
    """How an answer looks in the API."""

    answer = serializers.CharField(source="text")

    class Meta:
        model = Answer
        fields = [
            "id",
            "conversation_id",
            "question",
            "status",
            "answer",
            "sentences",
            "truncated",
            "citations",
            "error",
            "provider",
            "model",
            "created_at",
            "finished_at",
        ]


class ProvenanceSerializer(serializers.ModelSerializer[Answer]):
    """Everything recorded about how an answer was produced."""

    answer = serializers.CharField(source="text")
    prompt = serializers.SerializerMethodField()
    providers = serializers.SerializerMethodField()
    tokens = serializers.SerializerMethodField()
    timings_ms = serializers.SerializerMethodField()

    class Meta:
        model = Answer
        fields = [
            "id",
            "question",
            "standalone_question",
            "scope",
            "status",
            "error",
            "answer",
            "model_text",
            "sentences",
            "truncated",
            "checks",
            "citations",
            "retrieval",
            "prompt",
            "providers",
            "tokens",
            "timings_ms",
        ]

    def get_prompt(self, answer: Answer) -> dict[str, object]:
        return {"name": answer.prompt_name, "version": answer.prompt_version}

    def get_providers(self, answer: Answer) -> dict[str, dict[str, str]]:
        return {
            "chat": {"provider": answer.provider, "model": answer.model},
            "embeddings": {"provider": answer.embedding_provider, "model": answer.embedding_model},
        }

    def get_tokens(self, answer: Answer) -> dict[str, int]:
        return {
            "prompt": answer.prompt_tokens,
            "completion": answer.completion_tokens,
            "context_window": answer.context_tokens,
        }

    def get_timings_ms(self, answer: Answer) -> dict[str, int | None]:
        return {
            "queue": answer.queue_ms,
            "retrieval": answer.retrieval_ms,
            "first_token": answer.first_token_ms,
            "generation": answer.generation_ms,
            "total": answer.duration_ms,
        }


class ConversationOutputSerializer(serializers.ModelSerializer[Conversation]):
    """A conversation in lists."""

    class Meta:
        model = Conversation
        fields = ["id", "title", "created_at", "updated_at"]


class EventStreamRenderer(renderers.BaseRenderer):
    """Lets clients ask for text/event-stream; the events themselves are streamed, not rendered.

    Errors switch to the JSON renderer (rag_app/errors.py).
    """

    media_type = "text/event-stream"
    format = "sse"

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        return json.dumps(data).encode()


STREAMING_RENDERERS = [renderers.JSONRenderer, renderers.BrowsableAPIRenderer, EventStreamRenderer]


def _sse_response(answer: Answer, after: str = "0") -> StreamingHttpResponse:
    response = StreamingHttpResponse(sse.events(answer, after=after), content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"  # nginx: pass events on as they come
    return response


class AskApi(APIView):
    """POST {"question", "conversation_id"?, "documents"?, "tags"?, "stream"?}.

    With "stream": true the answer comes as Server-Sent Events (meta, token..., citations, done, or
    error); otherwise as JSON once it is complete.
    """

    renderer_classes = STREAMING_RENDERERS

    class InputSerializer(serializers.Serializer[None]):
        question = serializers.CharField(max_length=services.MAX_QUESTION_CHARS, trim_whitespace=True)
        conversation_id = serializers.IntegerField(required=False, allow_null=True)
        documents = serializers.ListField(child=serializers.IntegerField(), required=False, max_length=100)
        tags = serializers.ListField(child=serializers.CharField(max_length=40), required=False, max_length=20)
        stream = serializers.BooleanField(required=False, default=False)

    def post(self, request: Request) -> HttpResponseBase:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        answer = services.answer_create(
            owner=current_user(request),
            question=data.validated_data["question"],
            conversation_id=data.validated_data.get("conversation_id"),
            document_ids=data.validated_data.get("documents", []),
            tags=data.validated_data.get("tags", []),
        )
        if data.validated_data["stream"]:
            return _sse_response(answer)
        answer = sse.wait(answer)
        if answer.status == Answer.Status.FAILED:
            raise ApplicationError(answer.error, status=503, code="provider_unavailable")
        return Response(AnswerOutputSerializer(answer).data, status=status.HTTP_200_OK)


class AnswerDetailApi(APIView):
    """GET one of the caller's answers."""

    def get(self, request: Request, answer_id: int) -> Response:
        answer = get_object_or_404(selectors.answer_list(owner=current_user(request)), pk=answer_id)
        return Response(AnswerOutputSerializer(answer).data)


class AnswerProvenanceApi(APIView):
    """GET how an answer was produced: retrieval, prompt, providers, tokens, timings."""

    def get(self, request: Request, answer_id: int) -> Response:
        answer = get_object_or_404(selectors.answer_list(owner=current_user(request)), pk=answer_id)
        return Response(ProvenanceSerializer(answer).data)


class AnswerEventsApi(APIView):
    """GET an answer's events as SSE again, e.g. after a dropped connection (Last-Event-ID or ?after=)."""

    renderer_classes = STREAMING_RENDERERS

    def get(self, request: Request, answer_id: int) -> HttpResponseBase:
        answer = get_object_or_404(selectors.answer_list(owner=current_user(request)), pk=answer_id)
        after = request.headers.get("Last-Event-ID") or request.query_params.get("after") or "0"
        return _sse_response(answer, after=after)


class ConversationListApi(APIView):
    """GET the caller's conversations, most recent first (batch questions are listed under their batch)."""

    def get(self, request: Request) -> Response:
        conversations = selectors.conversation_list(owner=current_user(request), include_batches=False)
        return paginated_response(conversations, ConversationOutputSerializer, request, self)


class ConversationDetailApi(APIView):
    """GET a conversation with its answers; PATCH {"title"} renames it; DELETE removes it."""

    class RenameSerializer(serializers.Serializer[None]):
        title = serializers.CharField(max_length=services.MAX_TITLE_CHARS)

    def _conversation(self, request: Request, conversation_id: int) -> Conversation:
        return get_object_or_404(selectors.conversation_list(owner=current_user(request)), pk=conversation_id)

    def get(self, request: Request, conversation_id: int) -> Response:
        conversation = self._conversation(request, conversation_id)
        answers = conversation.answers.order_by("created_at", "id")
        body = dict(ConversationOutputSerializer(conversation).data)
        body["answers"] = AnswerOutputSerializer(answers, many=True).data
        return Response(body)

    def patch(self, request: Request, conversation_id: int) -> Response:
        data = self.RenameSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        conversation = services.conversation_rename(
            conversation=self._conversation(request, conversation_id), title=data.validated_data["title"]
        )
        return Response(ConversationOutputSerializer(conversation).data)

    def delete(self, request: Request, conversation_id: int) -> Response:
        services.conversation_delete(conversation=self._conversation(request, conversation_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class AnswerSaveNoteApi(APIView):
    """POST {"answer_id"} saves one of the caller's answers as a note, its sources kept as links (201)."""

    class InputSerializer(serializers.Serializer[None]):
        answer_id = serializers.IntegerField()

    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        owner = current_user(request)
        answer = get_object_or_404(selectors.answer_list(owner=owner), pk=data.validated_data["answer_id"])
        note = save_note.answer_save_as_note(owner=owner, answer=answer)
        return Response(NoteOutputSerializer(note).data, status=status.HTTP_201_CREATED)
