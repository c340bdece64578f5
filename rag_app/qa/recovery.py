"""The reaper's part for answers: fail those whose worker died, send again those whose message was lost."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from rag_app import leases
from rag_app.qa import batch, ending
from rag_app.qa.models import Answer, BatchQuestion

NOT_TAKEN = "No worker took the question within {seconds:g} s (is a worker consuming the {queue!r} queue?); ask again."


def answers_reap() -> int:
    """One pass: dead workers' answers failed, lost messages resent, questions nobody took ended."""
    from rag_app.qa.tasks import answer_generate_task, batch_question_answer_task

    count = 0
    batches: set[int] = set()
    for answer_id, holder in Answer.objects.filter(leases.expired(), status__in=ending.BUSY).values_list(
        "pk", "worker"
    ):
        only = leases.expired() & Q(worker=holder)
        if ending.answer_end(
            answer_id=answer_id,
            status=Answer.Status.FAILED,
            reason=ending.WORKER_STOPPED,
            code="worker_lost",
            only=only,
        ):
            count += 1
            batches.update(BatchQuestion.objects.filter(answer_id=answer_id).values_list("batch_id", flat=True))
    cutoff = timezone.now() - timedelta(seconds=settings.ANSWER_TIMEOUT)
    reason = NOT_TAKEN.format(seconds=settings.ANSWER_TIMEOUT, queue=settings.CELERY_QA_QUEUE)
    never_taken = Answer.objects.filter(
        leases.free(), status=Answer.Status.PENDING, resend_at__isnull=False, created_at__lt=cutoff
    ).filter(batch_question__isnull=True)
    for answer_id in never_taken.values_list("pk", flat=True):
        count += ending.answer_end(answer_id=answer_id, status=Answer.Status.FAILED, reason=reason, code="timeout")
    waiting = Answer.objects.filter(leases.free(), status=Answer.Status.PENDING, resend_at__lt=timezone.now())
    for answer_id, batch_id in waiting.values_list("pk", "batch_question__batch_id"):
        Answer.objects.filter(pk=answer_id).update(resend_at=leases.resend_after(10))
        if batch_id is None:
            count += leases.send(answer_generate_task, answer_id, row=(Answer, answer_id))
        else:
            count += leases.send(batch_question_answer_task, batch_id, answer_id, row=(Answer, answer_id))
    for batch_id in batches:
        batch.question_batch_progress(batch_id=batch_id)
    return count
