"""Ending an answer from outside its worker: cancelled (asker gone, wait over) or failed (worker dead).

The row changes by compare-and-set on its busy states, so whoever ends an answer first wins and the
others change nothing; the final event tells everyone still listening.
"""

from __future__ import annotations

import logging

from django.db.models import Q
from django.utils import timezone

from rag_app.qa import stream
from rag_app.qa.models import Answer

log = logging.getLogger(__name__)

BUSY = (Answer.Status.PENDING, Answer.Status.STREAMING)
WORKER_STOPPED = "The worker stopped while answering; ask again."


def answer_end(*, answer_id: int, status: Answer.Status, reason: str, code: str, only: Q | None = None) -> bool:
    """Mark a busy answer final (cancelled or failed) with a reason and send the final event.

    False when it was not busy (or not matching `only`): someone else ended it first.
    """
    answer = Answer.objects.filter(pk=answer_id).only("created_at").first()
    if answer is None:
        return False
    finished = timezone.now()
    rows = Answer.objects.filter(pk=answer_id, status__in=BUSY)
    if only is not None:
        rows = rows.filter(only)
    ended = rows.update(
        status=status,
        error=reason,
        lease_expires_at=None,
        worker="",
        resend_at=None,
        finished_at=finished,
        duration_ms=int((finished - answer.created_at).total_seconds() * 1000),
    )
    if not ended:
        return False
    if status == Answer.Status.CANCELLED:
        stream.request_cancel(answer_id)
    stream.Publisher(answer_id).send("error", {"code": code, "message": reason, "status": str(status)})
    log.info("Answer %s %s: %s", answer_id, status, reason)
    return True


def answer_cancel(*, answer_id: int, reason: str) -> bool:
    """Stop an answer nobody waits for any more; its worker stops between two chunks."""
    return answer_end(answer_id=answer_id, status=Answer.Status.CANCELLED, reason=reason, code="cancelled")
