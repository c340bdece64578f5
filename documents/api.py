"""REST endpoints for documents: list, upload, detail (with progress), delete, re-ingest."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from documents import selectors, services
from documents.filters import DocumentFilter
from documents.models import Document
from rag_app import throttles
from rag_app.auth import current_user
from rag_app.schema import error


class ProgressSerializer(serializers.Serializer[None]):
    """Where ingestion is: its stage, items done of total, and an estimate of the time left."""

    stage = serializers.CharField(allow_null=True)
    done = serializers.IntegerField()
    total = serializers.IntegerField()
    eta_seconds = serializers.IntegerField(allow_null=True)


class DocumentOutputSerializer(serializers.ModelSerializer[Document]):
    """How a document looks in the API."""

    progress = serializers.SerializerMethodField()

    class Meta:
        model = Document
        fields = [
            "id",
            "title",
            "kind",
            "mime_type",
            "size",
            "sha256",
            "status",
            "progress",
            "error",
            "warnings",
            "page_count",
            "chunk_count",
            "created_at",
            "updated_at",
        ]

    @extend_schema_field(ProgressSerializer)
    def get_progress(self, document: Document) -> dict[str, object]:
        """{"stage", "done", "total", "eta_seconds"}."""
        return selectors.document_progress(document)


def _own_document(request: Request, document_id: int) -> Document:
    return get_object_or_404(selectors.document_list(owner=current_user(request)), pk=document_id)


class DocumentInputSerializer(serializers.Serializer[None]):
    """A document upload: one file, multipart field `file`."""

    file = serializers.FileField(allow_empty_file=True)


class DocumentListCreateApi(generics.ListAPIView[Document]):
    """GET lists the caller's documents (filters and ordering below); POST uploads one (multipart `file`).

    POST answers 201 with the new document, or 200 with the caller's existing one when the same
    file (same SHA-256) was uploaded before.
    """

    parser_classes = [MultiPartParser, FormParser]
    queryset = Document.objects.none()  # the model, for the schema; get_queryset scopes to the caller
    serializer_class = DocumentOutputSerializer
    filterset_class = DocumentFilter
    ordering_fields = ["created_at", "updated_at", "title", "size", "status"]
    throttle_classes = throttles.UPLOAD

    def get_queryset(self) -> QuerySet[Document]:
        return selectors.document_list(owner=current_user(self.request))

    @extend_schema(
        request={"multipart/form-data": DocumentInputSerializer},
        responses={
            201: OpenApiResponse(DocumentOutputSerializer, description="A new document, queued for ingestion."),
            200: OpenApiResponse(DocumentOutputSerializer, description="The same file was uploaded before: that one."),
            413: error("The file is larger than MAX_UPLOAD_MB."),
        },
        examples=[
            OpenApiExample(
                "Uploaded",
                response_only=True,
                status_codes=["201"],
                value={
                    "id": 7,
                    "title": "handbook",
                    "kind": "pdf",
                    "mime_type": "application/pdf",
                    "size": 48213,
                    "sha256": "9f2c…",
                    "status": "queued",
                    "progress": {"stage": "", "done": 0, "total": 0, "eta_seconds": None},
                    "error": "",
                    "warnings": "",
                    "page_count": None,
                    "chunk_count": 0,
                    "created_at": "2026-12-01T12:00:00Z",
                    "updated_at": "2026-12-01T12:00:00Z",
                },
            )
        ],
    )
    def post(self, request: Request) -> Response:
        data = DocumentInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        document, created = services.document_create(owner=current_user(request), upload=data.validated_data["file"])
        return Response(
            DocumentOutputSerializer(document).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )


@extend_schema(responses=DocumentOutputSerializer)
class DocumentDetailApi(APIView):
    """GET one of the caller's documents (404 for anyone else's); DELETE removes file, rows and vectors."""

    def get(self, request: Request, document_id: int) -> Response:
        return Response(DocumentOutputSerializer(_own_document(request, document_id)).data)

    def delete(self, request: Request, document_id: int) -> Response:
        services.document_delete(document=_own_document(request, document_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(request=None, responses={202: DocumentOutputSerializer})
class DocumentReingestApi(APIView):
    """POST queues the document to be ingested again; 202 with the document."""

    def post(self, request: Request, document_id: int) -> Response:
        document = services.document_reingest(document=_own_document(request, document_id))
        return Response(DocumentOutputSerializer(document).data, status=status.HTTP_202_ACCEPTED)
