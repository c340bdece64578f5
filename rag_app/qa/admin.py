"""Admin for answers: the model that produced each, and the asker's rating with its reason."""

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse

from rag_app import leases
from rag_app.qa.feedback import feedback_jsonl
from rag_app.qa.models import Answer, QuestionBatch


@admin.register(Answer)
class AnswerAdmin(admin.ModelAdmin[Answer]):
    """Answers with the model that produced them and their feedback (filter by rating; export as JSONL)."""

    list_display = ["id", "owner", "question", "rating", "feedback_reason", "provider", "model", "created_at"]
    list_filter = ["rating", "provider", "model"]
    search_fields = ["question", "owner__username", "feedback_reason"]
    actions = ["export_feedback"]
    readonly_fields = leases.ADMIN_READONLY

    @admin.action(description="Export the selected answers' feedback as JSONL")
    def export_feedback(self, request: HttpRequest, queryset: QuerySet[Answer]) -> HttpResponse:
        response = HttpResponse("".join(feedback_jsonl(queryset.order_by("feedback_at", "id"))))
        response["Content-Type"] = "application/x-ndjson; charset=utf-8"
        response["Content-Disposition"] = 'attachment; filename="answer-feedback.jsonl"'
        return response


@admin.register(QuestionBatch)
class QuestionBatchAdmin(admin.ModelAdmin[QuestionBatch]):
    """Batches of questions with their progress."""

    list_display = ["id", "owner", "name", "status", "done", "failed", "total", "created_at", "finished_at"]
    list_filter = ["status"]
    search_fields = ["name", "owner__username"]
