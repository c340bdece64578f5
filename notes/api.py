"""REST endpoints for notes: CRUD with a version check, history, undo, LLM actions."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from notes import actions, selectors, services
from notes.filters import NoteActionFilter, NoteFilter
from notes.models import Note, NoteAction, NoteVersion
from rag_app.auth import current_user
from rag_app.errors import ApplicationError
from rag_app.markdown import render_markdown
from rag_app.schema import error

EXCERPT_CHARS = 200


class NoteListOutputSerializer(serializers.ModelSerializer[Note]):
    """A note in a list: no body, an excerpt instead."""

    tags = serializers.ListField(source="tag_names", child=serializers.CharField())
    excerpt = serializers.SerializerMethodField()

    class Meta:
        model = Note
        fields = ["id", "title", "excerpt", "tags", "version", "index_status", "created_at", "updated_at"]

    def get_excerpt(self, note: Note) -> str:
        text = " ".join(note.body[: EXCERPT_CHARS * 2].split())
        return text if len(text) <= EXCERPT_CHARS else text[: EXCERPT_CHARS - 1] + "…"


class NoteOutputSerializer(serializers.ModelSerializer[Note]):
    """A whole note, with its body rendered to sanitised HTML."""

    owner = serializers.CharField(source="owner.username")
    tags = serializers.ListField(source="tag_names", child=serializers.CharField())
    body_html = serializers.SerializerMethodField()
    can_undo = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    class Meta:
        model = Note
        fields = [
            "id",
            "owner",
            "title",
            "body",
            "body_html",
            "summary",
            "tags",
            "version",
            "change",
            "can_undo",
            "index_status",
            "index_error",
            "chunk_count",
            "url",
            "created_at",
            "updated_at",
        ]

    def get_body_html(self, note: Note) -> str:
        return str(render_markdown(note.body))

    def get_can_undo(self, note: Note) -> bool:
        return note.undo_version is not None

    def get_url(self, note: Note) -> str:
        return reverse("notes:detail", args=[note.pk])


class NoteVersionOutputSerializer(serializers.ModelSerializer[NoteVersion]):
    """An earlier state of a note."""

    class Meta:
        model = NoteVersion
        fields = ["version", "title", "body", "summary", "tags", "change", "changed_at"]


class NoteActionOutputSerializer(serializers.ModelSerializer[NoteAction]):
    """An action's progress, result and the model that did it."""

    class Meta:
        model = NoteAction
        fields = [
            "id",
            "kind",
            "status",
            "error",
            "note_id",
            "params",
            "result",
            "provider",
            "model",
            "prompt_name",
            "prompt_version",
            "version_before",
            "version_after",
            "created_at",
            "started_at",
            "finished_at",
        ]


def _note(request: Request, note_id: int) -> Note:
    return get_object_or_404(selectors.note_list(owner=current_user(request)), pk=note_id)


def _input(request: Request) -> Any:
    """request.data, turning Django's refusal of an oversized request into our JSON error."""
    try:
        return request.data
    except RequestDataTooBig as exc:
        raise ApplicationError(
            f"The request is too large; a note can hold at most {settings.NOTE_MAX_CHARS} characters of text.",
            status=413,
            code="request_too_large",
        ) from exc


def _note_response(note: Note, code: int = status.HTTP_200_OK) -> Response:
    return Response(NoteOutputSerializer(note).data, status=code)


class _ExpectedVersionSerializer(serializers.Serializer[None]):
    version = serializers.IntegerField(required=False, min_value=1)


class NoteInputSerializer(serializers.Serializer[None]):
    """A new note: a title, a Markdown body and tags."""

    title = serializers.CharField(allow_blank=True, trim_whitespace=False)
    body = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False, default="")
    tags = serializers.ListField(child=serializers.CharField(), required=False, default=list)


class NoteUpdateSerializer(serializers.Serializer[None]):
    """A change to a note: the `version` you read, and the fields to change."""

    version = serializers.IntegerField(min_value=1)
    title = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    body = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    tags = serializers.ListField(child=serializers.CharField(), required=False)


_TOO_LARGE = error("The request is larger than a note may be (NOTE_MAX_CHARS).")
_CHANGED = error("The note changed since the version you sent (code version_conflict).")


class NoteListCreateApi(generics.ListAPIView[Note]):
    """GET the caller's notes (filters and ordering below); POST creates one."""

    queryset = Note.objects.none()  # the model, for the schema; get_queryset scopes to the caller
    serializer_class = NoteListOutputSerializer
    filterset_class = NoteFilter
    ordering_fields = ["created_at", "updated_at", "title"]

    def get_queryset(self) -> QuerySet[Note]:
        return selectors.note_list(owner=current_user(self.request))

    @extend_schema(request=NoteInputSerializer, responses={201: NoteOutputSerializer, 413: _TOO_LARGE})
    def post(self, request: Request) -> Response:
        data = NoteInputSerializer(data=_input(request))
        data.is_valid(raise_exception=True)
        note = services.note_create(owner=current_user(request), **data.validated_data)
        return _note_response(note, status.HTTP_201_CREATED)


class NoteDetailApi(APIView):
    """GET one note; PATCH with the `version` you read (409 if it changed since); DELETE it."""

    @extend_schema(responses=NoteOutputSerializer)
    def get(self, request: Request, note_id: int) -> Response:
        return _note_response(_note(request, note_id))

    @extend_schema(request=NoteUpdateSerializer, responses={200: NoteOutputSerializer, 409: _CHANGED, 413: _TOO_LARGE})
    def patch(self, request: Request, note_id: int) -> Response:
        note = _note(request, note_id)
        data = NoteUpdateSerializer(data=_input(request))
        data.is_valid(raise_exception=True)
        fields: dict[str, Any] = dict(data.validated_data)
        note = services.note_update(note=note, expected_version=fields.pop("version"), **fields)
        return _note_response(note)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, note_id: int) -> Response:
        services.note_delete(note=_note(request, note_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(request=_ExpectedVersionSerializer, responses={200: NoteOutputSerializer, 409: _CHANGED})
class NoteUndoApi(APIView):
    """POST undoes the last change (an edit, an action, a restore or an undo); optional `version` check."""

    def post(self, request: Request, note_id: int) -> Response:
        note = _note(request, note_id)
        data = _ExpectedVersionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return _note_response(services.note_undo(note=note, expected_version=data.validated_data.get("version")))


class NoteVersionListApi(generics.ListAPIView[NoteVersion]):
    """GET a note's earlier versions, newest first."""

    queryset = NoteVersion.objects.none()
    serializer_class = NoteVersionOutputSerializer
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[NoteVersion]:
        return selectors.note_version_list(note=_note(self.request, self.kwargs["note_id"]))


@extend_schema(request=_ExpectedVersionSerializer, responses={200: NoteOutputSerializer, 409: _CHANGED})
class NoteVersionRestoreApi(APIView):
    """POST makes an earlier version current again (itself undoable); optional `version` check."""

    def post(self, request: Request, note_id: int, version: int) -> Response:
        note = _note(request, note_id)
        data = _ExpectedVersionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        note = services.note_restore(note=note, version=version, expected_version=data.validated_data.get("version"))
        return _note_response(note)


class NoteActionInputSerializer(serializers.Serializer[None]):
    """Which action to run on the note."""

    kind = serializers.ChoiceField(choices=[k.value for k in actions.NOTE_ACTIONS])


class NoteActionListCreateApi(generics.ListAPIView[NoteAction]):
    """GET a note's actions; POST {"kind": "summarise"|"suggest"} queues one (202)."""

    queryset = NoteAction.objects.none()
    serializer_class = NoteActionOutputSerializer
    filterset_class = NoteActionFilter
    ordering_fields = ["created_at", "finished_at"]

    def get_queryset(self) -> QuerySet[NoteAction]:
        note = _note(self.request, self.kwargs["note_id"])
        return selectors.note_action_list(owner=current_user(self.request), note=note)

    @extend_schema(request=NoteActionInputSerializer, responses={202: NoteActionOutputSerializer})
    def post(self, request: Request, note_id: int) -> Response:
        note = _note(request, note_id)
        data = NoteActionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        action = actions.note_action_start(owner=current_user(request), note=note, kind=data.validated_data["kind"])
        return Response(NoteActionOutputSerializer(action).data, status=status.HTTP_202_ACCEPTED)


@extend_schema_view(get=extend_schema(operation_id="notes_actions_all_list"))
class NoteActionListApi(generics.ListAPIView[NoteAction]):
    """GET all the caller's note actions, newest first."""

    queryset = NoteAction.objects.none()
    serializer_class = NoteActionOutputSerializer
    filterset_class = NoteActionFilter
    ordering_fields = ["created_at", "finished_at"]

    def get_queryset(self) -> QuerySet[NoteAction]:
        return selectors.note_action_list(owner=current_user(self.request))


@extend_schema(responses=NoteActionOutputSerializer)
class NoteActionDetailApi(APIView):
    """GET one action: poll it until status is done or failed."""

    def get(self, request: Request, action_id: int) -> Response:
        action = get_object_or_404(selectors.note_action_list(owner=current_user(request)), pk=action_id)
        return Response(NoteActionOutputSerializer(action).data)


class NoteGenerateInputSerializer(serializers.Serializer[None]):
    """The documents whose key points make the new note."""

    document_ids = serializers.ListField(child=serializers.IntegerField(), allow_empty=True)


@extend_schema(request=NoteGenerateInputSerializer, responses={202: NoteActionOutputSerializer})
class NoteGenerateApi(APIView):
    """POST {"document_ids": [...]} queues a new note with the key points of those documents (202)."""

    def post(self, request: Request) -> Response:
        data = NoteGenerateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        action = actions.note_generate_start(
            owner=current_user(request), document_ids=data.validated_data["document_ids"]
        )
        return Response(NoteActionOutputSerializer(action).data, status=status.HTTP_202_ACCEPTED)
