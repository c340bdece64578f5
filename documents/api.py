"""REST endpoints for documents: list, upload, detail."""

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

    class Meta:
        model = Document
        fields = [
            "id",
            "title",
            "kind",
            "size",
            "sha256",
            "status",
            "error",
            "page_count",
            "chunk_count",
            "created_at",
            "updated_at",
        ]


class DocumentListCreateApi(APIView):
    """GET lists the caller's documents; POST uploads one (multipart field `file`)."""

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
        document = services.document_create(owner=current_user(request), upload=data.validated_data["file"])
        return Response(DocumentOutputSerializer(document).data, status=status.HTTP_201_CREATED)


class DocumentDetailApi(APIView):
    """GET one of the caller's documents (404 for anyone else's)."""

    def get(self, request: Request, document_id: int) -> Response:
        document = get_object_or_404(selectors.document_list(owner=current_user(request)), pk=document_id)
        return Response(DocumentOutputSerializer(document).data)
