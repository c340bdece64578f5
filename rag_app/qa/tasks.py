"""Celery tasks for Q&A: take an id, call the pipeline."""

from __future__ import annotations

from celery import shared_task

from rag_app.qa import batch, pipeline, stream
from rag_app.qa.models import Answer


@shared_task(ignore_result=True, acks_late=True, reject_on_worker_lost=True, soft_time_limit=600, time_limit=660)
def answer_generate_task(answer_id: int) -> None:
    """Answer one question; acks_late is safe.

    Only a pending answer is taken (its lease, by compare-and-set), so a message delivered again after a
    lost worker finds the answer taken or ended and sends nothing. Provider failover and retries happen
    inside; a failure ends as an error event and a failed answer.
    """
    try:
        pipeline.answer_generate(answer_id=answer_id)
    except Answer.DoesNotExist:
        return  # the conversation was deleted before the worker got to it


@shared_task(ignore_result=True, acks_late=True, reject_on_worker_lost=True, soft_time_limit=600, time_limit=660)
def batch_question_answer_task(batch_id: int, answer_id: int) -> None:
    """Answer one question of a batch and start the batch's next one.

    acks_late: a worker lost mid-answer must not leave the batch one question short forever, and a
    re-run is harmless (finished answers are skipped; nobody is streaming a batch answer).
    """
    batch.batch_question_answer(batch_id=batch_id, answer_id=answer_id)


@shared_task(ignore_result=True)
def answer_events_cleanup_task() -> int:
    """Delete streamed events past the reconnect window (database transport only)."""
    return stream.forget_old()
