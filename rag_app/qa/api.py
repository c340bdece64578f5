"""REST endpoints for questions, answers (with provenance and their event stream) and conversations."""

from __future__ import annotations

import json
from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponseBase, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import generics, renderers, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from notes.api import NoteOutputSerializer
from rag_app import throttles
from rag_app.auth import current_user
from rag_app.errors import ApplicationError
from rag_app.qa import failures, save_note, selectors, services, sse
from rag_app.qa.filters import AnswerFilter, ConversationFilter
from rag_app.qa.models import Answer, Conversation
from rag_app.schema import error, sse_response


class _ShownError:
    """The answer's error as the request's user may read it (rag_app/qa/failures.py)."""

    context: dict[str, Any]

    def get_error(self, answer: Answer) -> str:
        request = self.context.get("request")
        return failures.shown_error(answer, request.user if request is not None else None)


class AnswerOutputSerializer(_ShownError, serializers.ModelSerializer[Answer]):
    """How an answer looks in the API; a failed one's `error` has details for staff only."""

    answer = serializers.CharField(source="text")
    error = serializers.SerializerMethodField()
    citations = serializers.ListField(child=serializers.DictField(), help_text="The numbered sources [n] cite.")

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


class ProvenanceSerializer(_ShownError, serializers.ModelSerializer[Answer]):
    """Everything recorded about how an answer was produced."""

    answer = serializers.CharField(source="text")
    error = serializers.SerializerMethodField()
    citations = serializers.ListField(child=serializers.DictField())
    retrieval = serializers.ListField(child=serializers.DictField(), help_text="Every candidate passage.")
    scope = serializers.DictField(help_text="Chosen documents and note tags, if any.")
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

    @extend_schema_field(
        inline_serializer(
            "PromptUsed", {"name": serializers.CharField(), "version": serializers.IntegerField(allow_null=True)}
        )
    )
    def get_prompt(self, answer: Answer) -> dict[str, object]:
        return {"name": answer.prompt_name, "version": answer.prompt_version}

    @extend_schema_field(serializers.DictField(child=serializers.DictField(child=serializers.CharField())))
    def get_providers(self, answer: Answer) -> dict[str, dict[str, str]]:
        return {
            "chat": {"provider": answer.provider, "model": answer.model},
            "embeddings": {
                "provider": answer.embedding_provider,
                "model": answer.embedding_model,
                "generation": str(answer.index_generation or ""),
            },
        }

    @extend_schema_field(serializers.DictField(child=serializers.IntegerField()))
    def get_tokens(self, answer: Answer) -> dict[str, int]:
        return {
            "prompt": answer.prompt_tokens,
            "completion": answer.completion_tokens,
            "context_window": answer.context_tokens,
        }

    @extend_schema_field(serializers.DictField(child=serializers.IntegerField(allow_null=True)))
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


class ConversationDetailSerializer(ConversationOutputSerializer):
    """A conversation with its answers, oldest first."""

    answers = serializers.SerializerMethodField()

    class Meta(ConversationOutputSerializer.Meta):
        fields = [*ConversationOutputSerializer.Meta.fields, "answers"]

    @extend_schema_field(AnswerOutputSerializer(many=True))
    def get_answers(self, conversation: Conversation) -> Any:
        answers = conversation.answers.order_by("created_at", "id")
        return AnswerOutputSerializer(answers, many=True, context=self.context).data


class EventStreamRenderer(renderers.BaseRenderer):
    """Lets clients ask for text/event-stream; the events themselves are streamed, not rendered.

    Errors switch to the JSON renderer (rag_app/errors.py).
    """

    media_type = "text/event-stream"
    format = "sse"

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        return json.dumps(data).encode()


STREAMING_RENDERERS = [renderers.JSONRenderer, renderers.BrowsableAPIRenderer, EventStreamRenderer]


def _sse_response(request: Request, answer: Answer, after: str = "0") -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        sse.events(answer, after=after, user=request.user), content_type="text/event-stream"
    )
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"  # nginx: pass events on as they come
    return response


class AskInputSerializer(serializers.Serializer[None]):
    """A question, optionally in a conversation and limited to some documents or note tags."""

    question = serializers.CharField(max_length=services.MAX_QUESTION_CHARS, trim_whitespace=True)
    conversation_id = serializers.IntegerField(required=False, allow_null=True, help_text="Ask a follow-up.")
    documents = serializers.ListField(
        child=serializers.IntegerField(), required=False, max_length=100, help_text="Only these documents."
    )
    tags = serializers.ListField(
        child=serializers.CharField(max_length=40),
        required=False,
        max_length=20,
        help_text="Only notes with these tags.",
    )
    stream = serializers.BooleanField(required=False, default=False, help_text="Answer as Server-Sent Events.")


_ASK_EXAMPLE = {
    "id": 42,
    "conversation_id": 9,
    "question": "How many days of leave do I get?",
    "status": "done",
    "answer": "You get 25 days a year [1].",
    "citations": [{"n": 1, "kind": "document", "title": "handbook", "page": 3, "cited": True}],
    "error": "",
    "provider": "vllm",
    "model": "smollm2",
    "created_at": "2026-12-01T12:00:00Z",
    "finished_at": "2026-12-01T12:00:02Z",
}


class AskApi(APIView):
    """POST {"question", "conversation_id"?, "documents"?, "tags"?, "stream"?}.

    With "stream": true the answer comes as Server-Sent Events (meta, token..., citations, done, or
    error); otherwise as JSON once it is complete. A failed answer is 503 with a support id; staff
    get the details in the message.
    """

    renderer_classes = STREAMING_RENDERERS
    throttle_classes = throttles.ASK

    @extend_schema(
        request=AskInputSerializer,
        responses={
            (200, "application/json"): AnswerOutputSerializer,
            (200, "text/event-stream"): sse_response(),
            503: error("The answer could not be generated (code provider_unavailable, with a support_id)."),
            504: error("No worker answered within ANSWER_TIMEOUT."),
        },
        examples=[
            OpenApiExample("Ask", value={"question": "How many days of leave do I get?"}, request_only=True),
            OpenApiExample(
                "Ask in my HR documents, streamed",
                value={"question": "And for part-time staff?", "conversation_id": 9, "documents": [7], "stream": True},
                request_only=True,
            ),
            OpenApiExample("Answered", value=_ASK_EXAMPLE, response_only=True, status_codes=["200"]),
        ],
    )
    def post(self, request: Request) -> HttpResponseBase:
        data = AskInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        answer = services.answer_create(
            owner=current_user(request),
            question=data.validated_data["question"],
            conversation_id=data.validated_data.get("conversation_id"),
            document_ids=data.validated_data.get("documents", []),
            tags=data.validated_data.get("tags", []),
        )
        if data.validated_data["stream"]:
            return _sse_response(request, answer)
        answer = sse.wait(answer)
        if answer.status == Answer.Status.FAILED:
            raise ApplicationError(
                failures.shown_error(answer, request.user),
                status=503,
                code="provider_unavailable",
                support_id=failures.support_id(answer.pk),
            )
        if answer.status == Answer.Status.CANCELLED:
            raise ApplicationError(answer.error, status=504, code="timeout")
        return Response(AnswerOutputSerializer(answer, context={"request": request}).data, status=status.HTTP_200_OK)


def _own_answer(request: Request, answer_id: int) -> Answer:
    return get_object_or_404(selectors.answer_list(owner=current_user(request)), pk=answer_id)


class AnswerListApi(generics.ListAPIView[Answer]):
    """GET the caller's answers, newest first (filters and ordering below)."""

    queryset = Answer.objects.none()
    serializer_class = AnswerOutputSerializer
    filterset_class = AnswerFilter
    ordering_fields = ["created_at", "finished_at", "status"]

    def get_queryset(self) -> QuerySet[Answer]:
        return selectors.answer_list(owner=current_user(self.request))


@extend_schema(responses=AnswerOutputSerializer)
class AnswerDetailApi(APIView):
    """GET one of the caller's answers."""

    def get(self, request: Request, answer_id: int) -> Response:
        return Response(AnswerOutputSerializer(_own_answer(request, answer_id), context={"request": request}).data)


@extend_schema(responses=ProvenanceSerializer)
class AnswerProvenanceApi(APIView):
    """GET how an answer was produced: retrieval, prompt, providers, tokens, timings."""

    def get(self, request: Request, answer_id: int) -> Response:
        return Response(ProvenanceSerializer(_own_answer(request, answer_id), context={"request": request}).data)


class AnswerEventsApi(APIView):
    """GET an answer's events as SSE again, e.g. after a dropped connection (Last-Event-ID or ?after=)."""

    renderer_classes = STREAMING_RENDERERS

    @extend_schema(
        parameters=[
            OpenApiParameter("after", str, description="Resume after this event id (or send Last-Event-ID)."),
            OpenApiParameter("Last-Event-ID", str, location=OpenApiParameter.HEADER, required=False),
        ],
        responses={(200, "text/event-stream"): sse_response()},
    )
    def get(self, request: Request, answer_id: int) -> HttpResponseBase:
        answer = _own_answer(request, answer_id)
        after = request.headers.get("Last-Event-ID") or request.query_params.get("after") or "0"
        return _sse_response(request, answer, after=after)


class ConversationListApi(generics.ListAPIView[Conversation]):
    """GET the caller's conversations, most recent first (batch questions are listed under their batch)."""

    queryset = Conversation.objects.none()
    serializer_class = ConversationOutputSerializer
    filterset_class = ConversationFilter
    ordering_fields = ["created_at", "updated_at", "title"]

    def get_queryset(self) -> QuerySet[Conversation]:
        return selectors.conversation_list(owner=current_user(self.request), include_batches=False)


class ConversationRenameSerializer(serializers.Serializer[None]):
    """A conversation's new title."""

    title = serializers.CharField(max_length=services.MAX_TITLE_CHARS)


class ConversationDetailApi(APIView):
    """GET a conversation with its answers; PATCH {"title"} renames it; DELETE removes it."""

    def _conversation(self, request: Request, conversation_id: int) -> Conversation:
        return get_object_or_404(selectors.conversation_list(owner=current_user(request)), pk=conversation_id)

    @extend_schema(responses=ConversationDetailSerializer)
    def get(self, request: Request, conversation_id: int) -> Response:
        conversation = self._conversation(request, conversation_id)
        return Response(ConversationDetailSerializer(conversation, context={"request": request}).data)

    @extend_schema(request=ConversationRenameSerializer, responses=ConversationOutputSerializer)
    def patch(self, request: Request, conversation_id: int) -> Response:
        conversation = self._conversation(request, conversation_id)  # someone else's: 404 before any 400
        data = ConversationRenameSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        conversation = services.conversation_rename(conversation=conversation, title=data.validated_data["title"])
        return Response(ConversationOutputSerializer(conversation).data)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, conversation_id: int) -> Response:
        services.conversation_delete(conversation=self._conversation(request, conversation_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class SaveNoteInputSerializer(serializers.Serializer[None]):
    """Which of your answers to keep as a note."""

    answer_id = serializers.IntegerField()


@extend_schema(request=SaveNoteInputSerializer, responses={201: NoteOutputSerializer})
class AnswerSaveNoteApi(APIView):
    """POST {"answer_id"} saves one of the caller's answers as a note, its sources kept as links (201)."""

    def post(self, request: Request) -> Response:
        data = SaveNoteInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        owner = current_user(request)
        answer = get_object_or_404(selectors.answer_list(owner=owner), pk=data.validated_data["answer_id"])
        note = save_note.answer_save_as_note(owner=owner, answer=answer)
        return Response(NoteOutputSerializer(note).data, status=status.HTTP_201_CREATED)
