"""Writes for Q&A: answer a question from the user's material and store the record."""

from __future__ import annotations

import re
import time

from django.conf import settings
from django.contrib.auth.models import User

from rag_app.errors import ApplicationError
from rag_app.providers import registry
from rag_app.providers.base import ProviderError
from rag_app.qa import prompts
from rag_app.qa.models import Answer
from rag_app.qa.retrieval import retrieve

MAX_QUESTION_CHARS = 4000
_CITATION = re.compile(r"\[(\d+)\]")


def cited_numbers(text: str) -> set[int]:
    """The source numbers an answer cites as [n]."""
    return {int(n) for n in _CITATION.findall(text)}


def answer_create(*, owner: User, question: str) -> Answer:
    """Retrieve the owner's passages, generate an answer citing them, and store it."""
    question = question.strip()
    if not question:
        raise ApplicationError("Ask a question (the text is empty).", code="empty_question")
    if len(question) > MAX_QUESTION_CHARS:
        raise ApplicationError(f"The question is longer than {MAX_QUESTION_CHARS} characters.", code="too_long")
    started = time.monotonic()
    prompt = prompts.ANSWER
    try:
        sources = retrieve(owner=owner, question=question, k=settings.RETRIEVAL_TOP_K)
        if not sources:
            return Answer.objects.create(
                owner=owner,
                question=question,
                text=prompts.NOT_FOUND,
                citations=[],
                prompt_name=prompt.name,
                prompt_version=prompt.version,
                duration_ms=int((time.monotonic() - started) * 1000),
            )
        chat = registry.chat_model()
        result = chat.complete(
            prompts.answer_messages(question, sources, prompt),
            max_tokens=settings.ANSWER_MAX_TOKENS,
            temperature=settings.ANSWER_TEMPERATURE,
        )
    except ProviderError as exc:
        raise ApplicationError(
            f"The answer could not be generated: {exc}", status=503, code="provider_unavailable"
        ) from exc
    cited = cited_numbers(result.text)
    citations = [dict(s.as_dict(), cited=s.n in cited) for s in sources]
    return Answer.objects.create(
        owner=owner,
        question=question,
        text=result.text,
        citations=citations,
        prompt_name=prompt.name,
        prompt_version=prompt.version,
        provider=result.provider,
        model=result.model,
        prompt_tokens=result.usage.prompt_tokens,
        completion_tokens=result.usage.completion_tokens,
        duration_ms=int((time.monotonic() - started) * 1000),
    )
