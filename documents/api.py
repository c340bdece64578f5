"""REST endpoints for documents: list, upload, detail (with progress), delete, re-ingest."""

from django.shortcuts import get_object_or_404
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from documents import selectors, services
from documents.models import Document
from rag_app.auth import current_user
from rag_app.pagination import paginated_response


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

    def get_progress(self, document: Document) -> dict[str, object]:
        """{"stage", "done", "total", "eta_seconds"}."""
        return selectors.document_progress(document)


def _own_document(request: Request, document_id: int) -> Document:
    return get_object_or_404(selectors.document_list(owner=current_user(request)), pk=document_id)


class DocumentListCreateApi(APIView):
    """GET lists the caller's documents; POST uploads one (multipart field `file`).

    POST answers 201 with the new document, or 200 with the caller's existing one when the same
    file (same SHA-256) was uploaded before.
    """

    parser_classes = [MultiPartParser, FormParser]

    class InputSerializer(serializers.Serializer[None]):
        file = serializers.FileField(allow_empty_file=True)

    def get(self, request: Request) -> Response:
        return paginated_response(
            selectors.document_list(owner=current_user(request)), DocumentOutputSerializer, request, self
        )

    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        document, created = services.document_create(owner=current_user(request), upload=data.validated_data["file"])
        return Response(
            DocumentOutputSerializer(document).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )


class DocumentDetailApi(APIView):
    """GET one of the caller's documents (404 for anyone else's); DELETE removes file, rows and vectors."""

    def get(self, request: Request, document_id: int) -> Response:
        return Response(DocumentOutputSerializer(_own_document(request, document_id)).data)

    def delete(self, request: Request, document_id: int) -> Response:
        services.document_delete(document=_own_document(request, document_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class DocumentReingestApi(APIView):
    """POST queues the document to be ingested again; 202 with the document."""

    def post(self, request: Request, document_id: int) -> Response:
        document = services.document_reingest(document=_own_document(request, document_id))
        return Response(DocumentOutputSerializer(document).data, status=status.HTTP_202_ACCEPTED)
