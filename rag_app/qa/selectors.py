"""Reads for Q&A, always scoped to an owner."""

from django.contrib.auth.models import User
from django.db.models import QuerySet

from rag_app.qa.models import Answer, BatchQuestion, Conversation, QuestionBatch


def answer_list(*, owner: User) -> QuerySet[Answer]:
    """The owner's answers, newest first."""
    return Answer.objects.filter(owner=owner)


def conversation_list(*, owner: User, include_batches: bool = True) -> QuerySet[Conversation]:
    """The owner's conversations, most recently active first.

    include_batches=False leaves out the one-question conversations of batches (lists would drown in
    them; they are reached through their batch, and by id).
    """
    conversations = Conversation.objects.filter(owner=owner)
    return conversations if include_batches else conversations.exclude(answers__batch_question__isnull=False)


def question_batch_list(*, owner: User) -> QuerySet[QuestionBatch]:
    """The owner's question batches, newest first."""
    return QuestionBatch.objects.filter(owner=owner)


def batch_answers(*, batch: QuestionBatch) -> QuerySet[BatchQuestion]:
    """The batch's questions in their order, each with its answer."""
    return batch.questions.select_related("answer").order_by("position")
