"""REST endpoints for batches of questions: submit (JSON or CSV), progress, results as CSV or JSON, delete."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from rag_app.auth import current_user
from rag_app.errors import ApplicationError
from rag_app.qa import batch, batch_files, failures, selectors
from rag_app.qa.models import QuestionBatch
from rag_app.schema import error


class BatchOutputSerializer(serializers.ModelSerializer[QuestionBatch]):
    """A batch with its progress: done counts finished questions, answered or failed."""

    results = serializers.SerializerMethodField()

    class Meta:
        model = QuestionBatch
        fields = ["id", "name", "status", "total", "done", "failed", "scope", "created_at", "finished_at", "results"]

    @extend_schema_field(serializers.DictField(child=serializers.CharField()))
    def get_results(self, batch: QuestionBatch) -> dict[str, str]:
        return {
            "csv": reverse("api:batch-results-csv", args=[batch.pk]),
            "json": reverse("api:batch-results-json", args=[batch.pk]),
        }


class BatchInputSerializer(serializers.Serializer[None]):
    """Questions as a JSON list, or `file`: a CSV upload with a `question` column (one of the two)."""

    questions = serializers.ListField(
        child=serializers.CharField(allow_blank=True, trim_whitespace=False), required=False
    )
    file = serializers.FileField(required=False)
    name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    documents = serializers.ListField(child=serializers.IntegerField(), required=False, max_length=100)
    tags = serializers.ListField(child=serializers.CharField(max_length=40), required=False, max_length=20)


class BatchListCreateApi(generics.ListAPIView[QuestionBatch]):
    """GET the caller's batches; POST questions as JSON or a CSV upload: 202, answered by the workers.

    JSON: {"questions": [...], "name"?, "documents"?, "tags"?}. Multipart: `file`, a CSV with a
    `question` column, and optional `name`, `documents`, `tags`.
    """

    queryset = QuestionBatch.objects.none()
    serializer_class = BatchOutputSerializer
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[QuestionBatch]:
        return selectors.question_batch_list(owner=current_user(self.request))

    @extend_schema(
        request={"application/json": BatchInputSerializer, "multipart/form-data": BatchInputSerializer},
        responses={202: BatchOutputSerializer, 413: error("The CSV file is larger than MAX_UPLOAD_MB.")},
    )
    def post(self, request: Request) -> Response:
        data = BatchInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data.get("file")
        questions = data.validated_data.get("questions")
        if (upload is None) == (questions is None):
            raise ApplicationError(
                'Send either "questions" (a JSON list) or "file" (a CSV upload with a "question" column).',
                code="no_questions",
            )
        name = data.validated_data.get("name", "")
        if upload is not None:
            if upload.size > settings.MAX_UPLOAD_MB * 1024 * 1024:
                raise ApplicationError(
                    f"The CSV file is larger than {settings.MAX_UPLOAD_MB} MB.", status=413, code="file_too_large"
                )
            questions = batch_files.questions_from_csv(upload.read())
            name = name or (upload.name or "")
        created = batch.question_batch_create(
            owner=current_user(request),
            questions=questions,
            name=name,
            document_ids=data.validated_data.get("documents", []),
            tags=data.validated_data.get("tags", []),
        )
        return Response(BatchOutputSerializer(created).data, status=status.HTTP_202_ACCEPTED)


def _batch(request: Request, batch_id: int) -> QuestionBatch:
    return get_object_or_404(selectors.question_batch_list(owner=current_user(request)), pk=batch_id)


@extend_schema(responses=BatchOutputSerializer)
class BatchDetailApi(APIView):
    """GET a batch's status and counts; DELETE it with its questions' conversations."""

    def get(self, request: Request, batch_id: int) -> Response:
        return Response(BatchOutputSerializer(_batch(request, batch_id)).data)

    def delete(self, request: Request, batch_id: int) -> Response:
        batch.question_batch_delete(batch=_batch(request, batch_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class BatchResultsApi(APIView):
    """GET results.csv or results.json: every question so far, with its answer, sources and timings."""

    @extend_schema(
        responses={
            (200, "application/json"): inline_serializer(
                "BatchResults",
                {"batch": BatchOutputSerializer(), "results": serializers.ListField(child=serializers.DictField())},
            ),
            (200, "text/csv"): OpenApiResponse({"type": "string"}, description="One row per question."),
        }
    )
    def get(self, request: Request, batch_id: int, fmt: str) -> HttpResponse | Response:
        found = _batch(request, batch_id)
        rows = [
            batch_files.result_row(item, error=failures.shown_error(item.answer, request.user))
            for item in selectors.batch_answers(batch=found)
        ]
        if fmt == "json":
            response: HttpResponse | Response = Response({"batch": BatchOutputSerializer(found).data, "results": rows})
        else:
            response = HttpResponse(batch_files.results_csv(rows), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="batch-{found.pk}-results.{fmt}"'
        return response
