"""REST endpoint for asking a question."""

from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from rag_app.auth import current_user
from rag_app.qa import services
from rag_app.qa.models import Answer


class AnswerOutputSerializer(serializers.ModelSerializer[Answer]):
    """How an answer looks in the API."""

    answer = serializers.CharField(source="text")

    class Meta:
        model = Answer
        fields = ["id", "question", "answer", "citations", "provider", "model", "created_at"]


class AskApi(APIView):
    """POST {"question"} -> {"answer", "citations": [...]} from the caller's own material."""

    class InputSerializer(serializers.Serializer[None]):
        question = serializers.CharField(max_length=services.MAX_QUESTION_CHARS, trim_whitespace=True)

    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        answer = services.answer_create(owner=current_user(request), question=data.validated_data["question"])
        return Response(AnswerOutputSerializer(answer).data, status=status.HTTP_200_OK)
