"""Writes for Q&A: accept a question (the worker answers it), rename and delete conversations."""

from __future__ import annotations

from collections.abc import Sequence

import redis
from django.contrib.auth.models import User
from django.db import transaction

from documents import selectors as document_selectors
from rag_app import leases
from rag_app.errors import ApplicationError
from rag_app.qa import admission, stream
from rag_app.qa.models import Answer, Conversation
from rag_app.qa.retrieval import Scope

MAX_QUESTION_CHARS = 4000
MAX_TITLE_CHARS = 200
FIRST_RESEND_SECONDS = 10
QUEUE_DOWN = "The message queue (Redis) is unavailable, so the question cannot be answered now; ask again in a minute."


def answer_create(
    *,
    owner: User,
    question: str,
    conversation_id: int | None = None,
    document_ids: Sequence[int] = (),
    tags: Sequence[str] = (),
) -> Answer:
    """Record a question (in a new conversation unless one is given) and queue its answer."""
    from rag_app.qa.tasks import answer_generate_task

    question = question.strip()
    if not question:
        raise ApplicationError("Ask a question (the text is empty).", code="empty_question")
    if len(question) > MAX_QUESTION_CHARS:
        raise ApplicationError(f"The question is longer than {MAX_QUESTION_CHARS} characters.", code="too_long")
    unknown = set(document_ids) - set(
        document_selectors.document_list(owner=owner).filter(pk__in=document_ids).values_list("pk", flat=True)
    )
    if unknown:
        raise ApplicationError(f"No such documents: {sorted(unknown)}.", code="unknown_documents")
    scope = Scope(tuple(sorted(set(document_ids))), tuple(sorted({t.strip().lower() for t in tags if t.strip()})))
    with transaction.atomic():
        admission.answer_admit()  # busy: a quick 429 with Retry-After, nothing kept
        conversation: Conversation | None
        if conversation_id is None:
            conversation = Conversation.objects.create(owner=owner, title=question[:MAX_TITLE_CHARS])
        else:
            conversation = Conversation.objects.filter(owner=owner, pk=conversation_id).first()
            if conversation is None:
                raise ApplicationError("Conversation not found.", status=404, code="not_found")
            conversation.save(update_fields=["updated_at"])  # a follow-up: the conversation moves to the top
        answer = Answer.objects.create(
            owner=owner,
            conversation=conversation,
            question=question,
            scope=scope.as_dict(),
            resend_at=leases.resend_after(FIRST_RESEND_SECONDS),  # the outbox entry: sent again if lost
        )
        try:
            stream.reset(answer.pk)
        except redis.RedisError as exc:  # its events could not reach the asker: keep nothing, say so
            raise ApplicationError(QUEUE_DOWN, status=503, code="queue_unavailable") from exc
        leases.send_on_commit(answer_generate_task, answer.pk, row=(Answer, answer.pk))
    return answer


def conversation_rename(*, conversation: Conversation, title: str) -> Conversation:
    """Give a conversation a new title."""
    title = title.strip()
    if not title:
        raise ApplicationError("The title is empty.", code="empty_title")
    conversation.title = title[:MAX_TITLE_CHARS]
    conversation.save(update_fields=["title", "updated_at"])
    return conversation


def conversation_delete(*, conversation: Conversation) -> None:
    """Delete a conversation with its answers."""
    conversation.delete()
