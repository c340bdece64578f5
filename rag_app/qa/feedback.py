"""Thumbs up/down with a reason, stored with the answer, and exported as JSONL for evaluation."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator

from django.utils import timezone

from rag_app.errors import ApplicationError
from rag_app.qa.models import Answer

RATINGS = ("up", "down")
MAX_REASON_CHARS = 2000


def answer_feedback_set(*, answer: Answer, rating: str, reason: str = "") -> Answer:
    """Record the asker's verdict on a finished answer (a later one replaces it)."""
    if rating not in RATINGS:
        raise ApplicationError("Choose Helpful or Not helpful.", code="invalid_rating")
    if answer.status != Answer.Status.DONE:
        raise ApplicationError("Only a finished answer can be rated.", code="not_done")
    reason = reason.strip()
    if len(reason) > MAX_REASON_CHARS:
        raise ApplicationError(f"The reason is longer than {MAX_REASON_CHARS} characters.", code="too_long")
    answer.rating, answer.feedback_reason, answer.feedback_at = rating, reason, timezone.now()
    answer.save(update_fields=["rating", "feedback_reason", "feedback_at"])
    return answer


def feedback_record(answer: Answer) -> dict[str, object]:
    """One rated answer as an evaluation record: question, answer, sources, verdict, who produced it."""
    return {
        "answer_id": answer.pk,
        "conversation_id": answer.conversation_id,
        "question": answer.question,
        "standalone_question": answer.standalone_question,
        "answer": answer.text,
        "rating": answer.rating,
        "reason": answer.feedback_reason,
        "rated_at": answer.feedback_at.isoformat() if answer.feedback_at else None,
        "scope": answer.scope,
        "citations": [
            {k: c.get(k) for k in ("n", "title", "page", "document_id", "chunk_id", "score", "cited", "text")}
            for c in answer.citations
        ],
        "provider": answer.provider,
        "model": answer.model,
        "embedding_model": answer.embedding_model,
        "prompt": f"{answer.prompt_name} v{answer.prompt_version}" if answer.prompt_name else "",
        "created_at": answer.created_at.isoformat(),
    }


def feedback_jsonl(answers: Iterable[Answer]) -> Iterator[str]:
    """One JSON line per rated answer."""
    for answer in answers:
        if answer.rating:
            yield json.dumps(feedback_record(answer), ensure_ascii=False) + "\n"


def rated_answers() -> Iterable[Answer]:
    """Every rated answer, oldest rating first."""
    return Answer.objects.exclude(rating="").order_by("feedback_at", "id").iterator()
