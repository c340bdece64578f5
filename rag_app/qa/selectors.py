"""Reads for Q&A, always scoped to an owner."""

from django.contrib.auth.models import User
from django.db.models import QuerySet

from rag_app.qa.models import Answer, Conversation


def answer_list(*, owner: User) -> QuerySet[Answer]:
    """The owner's answers, newest first."""
    return Answer.objects.filter(owner=owner)


def conversation_list(*, owner: User) -> QuerySet[Conversation]:
    """The owner's conversations, most recently active first."""
    return Conversation.objects.filter(owner=owner)
