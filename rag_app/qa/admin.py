"""Admin for answers."""

from django.contrib import admin

from rag_app.qa.models import Answer, QuestionBatch


@admin.register(Answer)
class AnswerAdmin(admin.ModelAdmin[Answer]):
    """Answers with the model that produced them."""

    list_display = ["id", "owner", "question", "provider", "model", "duration_ms", "created_at"]
    list_filter = ["provider", "model"]
    search_fields = ["question", "owner__username"]


@admin.register(QuestionBatch)
class QuestionBatchAdmin(admin.ModelAdmin[QuestionBatch]):
    """Batches of questions with their progress."""

    list_display = ["id", "owner", "name", "status", "done", "failed", "total", "created_at", "finished_at"]
    list_filter = ["status"]
    search_fields = ["name", "owner__username"]
