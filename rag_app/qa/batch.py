"""Batches of questions: accept a list, answer it a few questions at a time, keep the batch's progress.

Each question is an ordinary Answer in a conversation of its own: the pipeline reads a question in
the light of the earlier turns of its conversation, and a batch's questions are independent (one
shared conversation would rewrite question 37 with questions 33-36, in whatever order they finished).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from documents import selectors as document_selectors
from rag_app import leases
from rag_app.errors import ApplicationError
from rag_app.qa import pipeline, stream
from rag_app.qa.models import Answer, BatchQuestion, Conversation, QuestionBatch
from rag_app.qa.retrieval import Scope
from rag_app.qa.services import FIRST_RESEND_SECONDS, MAX_QUESTION_CHARS, MAX_TITLE_CHARS

log = logging.getLogger(__name__)

_BUSY = (Answer.Status.PENDING, Answer.Status.STREAMING)


def question_batch_create(
    *,
    owner: User,
    questions: Sequence[str],
    name: str = "",
    document_ids: Sequence[int] = (),
    tags: Sequence[str] = (),
) -> QuestionBatch:
    """Record the questions (one conversation each) and send the first BATCH_CONCURRENCY to the workers."""
    from rag_app.qa.tasks import batch_question_answer_task

    cleaned = _checked_questions(questions)
    unknown = set(document_ids) - set(
        document_selectors.document_list(owner=owner).filter(pk__in=document_ids).values_list("pk", flat=True)
    )
    if unknown:
        raise ApplicationError(f"No such documents: {sorted(unknown)}.", code="unknown_documents")
    scope = Scope(tuple(sorted(set(document_ids))), tuple(sorted({t.strip().lower() for t in tags if t.strip()})))
    first = min(settings.BATCH_CONCURRENCY, len(cleaned))
    with transaction.atomic():
        batch = QuestionBatch.objects.create(
            owner=owner,
            name=(name.strip() or f"{len(cleaned)} questions")[:MAX_TITLE_CHARS],
            scope=scope.as_dict(),
            total=len(cleaned),
            next_position=first,
        )
        conversations = Conversation.objects.bulk_create(
            [Conversation(owner=owner, title=q[:MAX_TITLE_CHARS]) for q in cleaned]
        )
        answers = Answer.objects.bulk_create(
            [
                Answer(owner=owner, conversation=c, question=q, scope=scope.as_dict())
                for c, q in zip(conversations, cleaned, strict=True)
            ]
        )
        BatchQuestion.objects.bulk_create(
            [BatchQuestion(batch=batch, position=i, answer=a) for i, a in enumerate(answers)]
        )
        for answer in answers:
            stream.reset(answer.pk)
        starters = [a.pk for a in answers[:first]]
        Answer.objects.filter(pk__in=starters).update(resend_at=leases.resend_after(FIRST_RESEND_SECONDS))
        for answer_id in starters:
            leases.send_on_commit(batch_question_answer_task, batch.pk, answer_id, row=(Answer, answer_id))
    return batch


def _checked_questions(questions: Sequence[str]) -> list[str]:
    limit = settings.BATCH_MAX_QUESTIONS
    if not questions:
        raise ApplicationError("The batch has no questions.", code="empty_batch")
    if len(questions) > limit:
        raise ApplicationError(
            f"A batch holds at most {limit} questions; this one has {len(questions)}. Split it into several.",
            code="too_many_questions",
        )
    cleaned = [q.strip() for q in questions]
    for number, question in enumerate(cleaned, start=1):
        if not question:
            raise ApplicationError(f"Question {number} is empty.", code="empty_question")
        if len(question) > MAX_QUESTION_CHARS:
            raise ApplicationError(
                f"Question {number} is longer than {MAX_QUESTION_CHARS} characters.", code="too_long"
            )
    return cleaned


def batch_question_answer(*, batch_id: int, answer_id: int) -> None:
    """Answer one question of a batch (the worker's part), then record progress and start the next one.

    Safe to run twice (the task is acks_late): a finished answer is not generated again, and a batch
    answer has nobody listening to its stream, so a second run after a crash repeats nothing visible.
    """
    QuestionBatch.objects.filter(pk=batch_id, status=QuestionBatch.Status.QUEUED).update(
        status=QuestionBatch.Status.RUNNING
    )
    try:
        item = BatchQuestion.objects.select_related("answer").filter(answer_id=answer_id).first()
        if item is not None and item.answer.status in _BUSY:
            BatchQuestion.objects.filter(pk=item.pk).update(started_at=timezone.now())
            pipeline.answer_generate(answer_id=answer_id, batch=True)
    except Answer.DoesNotExist:
        pass  # its conversation was deleted meanwhile
    except Exception as exc:
        # The pipeline turns provider and domain errors into a failed answer itself; anything else
        # (a bug, the soft time limit) would leave the answer "streaming" and the batch never done.
        Answer.objects.filter(pk=answer_id, status__in=_BUSY).update(
            status=Answer.Status.FAILED, error=f"The answer could not be generated: {exc!r}", finished_at=timezone.now()
        )
        raise
    finally:
        question_batch_progress(batch_id=batch_id)


def question_batch_progress(*, batch_id: int) -> QuestionBatch | None:
    """Recount the batch from its answers' statuses, finish it when none is left, send the next question."""
    from rag_app.qa.tasks import batch_question_answer_task

    with transaction.atomic():
        # The row lock makes concurrent finishers take turns: each sees the others' counts and
        # hands out a different next question.
        batch = QuestionBatch.objects.select_for_update().filter(pk=batch_id).first()
        if batch is None:
            return None  # deleted
        counts = dict(
            Answer.objects.filter(batch_question__batch=batch)
            .order_by()
            .values_list("status")
            .annotate(n=Count("id"))
            .values_list("status", "n")
        )
        batch.total = sum(counts.values())
        batch.failed = counts.get(Answer.Status.FAILED, 0) + counts.get(Answer.Status.CANCELLED, 0)
        batch.done = counts.get(Answer.Status.DONE, 0) + batch.failed
        if batch.done == batch.total:
            if batch.finished_at is None:
                batch.finished_at = timezone.now()
            all_failed = batch.failed == batch.total and batch.total > 0
            batch.status = QuestionBatch.Status.FAILED if all_failed else QuestionBatch.Status.DONE
        elif batch.done and batch.status == QuestionBatch.Status.QUEUED:
            batch.status = QuestionBatch.Status.RUNNING
        # Compare, then send, under the row lock: only while fewer than BATCH_CONCURRENCY of the questions
        # already handed out are unfinished. A redelivered message (acks_late) of a question that already
        # handed on its turn then finds the batch full and sends nothing (it used to send one more), and a
        # hand-off lost with a dead worker is made up by the next finisher or the reaper.
        in_flight = batch.questions.filter(position__lt=batch.next_position, answer__status__in=_BUSY).count()
        room = max(0, settings.BATCH_CONCURRENCY - in_flight)
        upcoming = list(
            batch.questions.filter(position__gte=batch.next_position)
            .order_by("position")
            .values_list("answer_id", "position")[:room]
        )
        for next_answer, position in upcoming:
            batch.next_position = position + 1
            Answer.objects.filter(pk=next_answer).update(resend_at=leases.resend_after(FIRST_RESEND_SECONDS))
            leases.send_on_commit(batch_question_answer_task, batch_id, next_answer, row=(Answer, next_answer))
        batch.save(update_fields=["total", "done", "failed", "status", "finished_at", "next_position"])
    return batch


def question_batch_delete(*, batch: QuestionBatch) -> None:
    """Delete a batch with its questions' conversations and answers (questions not yet started are skipped)."""
    with transaction.atomic():
        Conversation.objects.filter(answers__batch_question__batch=batch).delete()
        batch.delete()
