"""Turn an OpenAI chat request into a question for the Q&A pipeline, its earlier turns kept as history."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from rag_app.errors import ApplicationError
from rag_app.openai_api import selectors
from rag_app.qa import services as qa_services
from rag_app.qa.models import Answer, Conversation

MAX_MESSAGES = 200


def message_text(message: Any) -> str:
    """A message's text: a string, or the text parts of a list of content parts (images are not read)."""
    if not isinstance(message, dict) or message.get("role") not in ("system", "developer", "user", "assistant", "tool"):
        raise ApplicationError("Each message needs a role: system, user or assistant.", code="invalid_message")
    content = message.get("content")
    if content is None or isinstance(content, str):
        return content or ""
    if isinstance(content, list):
        return "\n".join(str(p.get("text", "")) for p in content if isinstance(p, dict) and p.get("type") == "text")
    raise ApplicationError("A message's content is a string or a list of content parts.", code="invalid_message")


def turns(messages: Sequence[Any]) -> tuple[list[tuple[str, str]], str]:
    """The earlier (question, answer) pairs and the last user message; system messages are not used.

    The app's own prompt says how to answer from the sources, so a client's system prompt cannot widen it.
    """
    if not messages:
        raise ApplicationError("messages is empty: send at least one user message.", code="invalid_message")
    if len(messages) > MAX_MESSAGES:
        raise ApplicationError(f"Send at most {MAX_MESSAGES} messages.", code="too_many_messages")
    texts = [(m["role"], message_text(m)) for m in messages]
    role, question = texts[-1]
    if role != "user" or not question.strip():
        raise ApplicationError("The last message must be the user's question.", code="invalid_message")
    history: list[tuple[str, str]] = []
    for role, text in texts[:-1]:
        if role == "user":
            history.append((text, ""))
        elif role == "assistant" and history and not history[-1][1]:
            history[-1] = (history[-1][0], text)
    return [(q, a) for q, a in history if q.strip() and a.strip()], question


def chat_answer_create(*, owner: User, model: str, messages: Sequence[Any]) -> Answer:
    """Queue the answer to the last user message over the sources the model names.

    Earlier turns become answered turns of a new conversation, so the pipeline reads the follow-up in
    their light exactly as it does on the ask page (where this conversation is listed too).
    """
    scope = selectors.model_scope(owner=owner, model=model)
    history, question = turns(messages)
    with transaction.atomic():  # a refused question leaves no half-made conversation behind
        conversation_id = None
        if history:
            conversation = Conversation.objects.create(owner=owner, title=history[0][0][: qa_services.MAX_TITLE_CHARS])
            now = timezone.now()
            Answer.objects.bulk_create(
                Answer(
                    owner=owner,
                    conversation=conversation,
                    question=q[: qa_services.MAX_QUESTION_CHARS],
                    standalone_question=q[: qa_services.MAX_QUESTION_CHARS],
                    text=a,
                    status=Answer.Status.DONE,
                    scope=scope.as_dict(),
                    finished_at=now,
                )
                for q, a in history
            )
            conversation_id = conversation.pk
        return qa_services.answer_create(
            owner=owner, question=question, conversation_id=conversation_id, tags=scope.tags
        )
