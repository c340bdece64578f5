"""Admission control for questions: refuse at once, saying when to try again, what could not be answered in time.

Each question asked is counted against the answer workers' capacity. A new one is admitted only if, at the
pace of the answers finished lately, it would be answered well within ANSWER_TIMEOUT; otherwise the asker
gets a quick 429 "busy" with Retry-After instead of a wait that ends in a timeout (issue 18: under load,
answers finished long after their clients had given up, and waiting clients got 504s).
"""

from __future__ import annotations

import math
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from rag_app.errors import ApplicationError
from rag_app.qa.models import Answer

_BUSY = (Answer.Status.PENDING, Answer.Status.STREAMING)
# An answer admitted now must be expected to end within this share of ANSWER_TIMEOUT: the estimate is an
# average, and the last in line should still finish before the deadline cancels it.
_BUDGET_SHARE = 0.6
_RECENT = 20  # finished answers the pace is taken from
_MIN_SAMPLES = 3  # fewer say too little: the first answers of a burst are the fast ones
_RECENT_MINUTES = 10  # older ones say little about the load now
_LOCK_KEY = 0x5241_4751  # one advisory lock: admissions take turns, so a burst cannot all see room at once


def service_seconds() -> float | None:
    """How long an answer takes now; None while that is not known.

    The 75th percentile of the recent answers' worker time (queue wait excluded), once there are a few, and
    never less than the age of the oldest question still unfinished: when the workers slow down, the answers
    under way say so long before they finish.
    """
    since = timezone.now() - timedelta(minutes=_RECENT_MINUTES)
    rows = (
        Answer.objects.filter(status=Answer.Status.DONE, finished_at__gte=since)
        .order_by("-finished_at")
        .values_list("duration_ms", "queue_ms")[:_RECENT]
    )
    spans = sorted(max(0, duration - (queue or 0)) / 1000 for duration, queue in rows)
    if len(spans) < _MIN_SAMPLES:
        return None
    pace = spans[min(len(spans) - 1, math.ceil(0.75 * len(spans)) - 1)]
    oldest = _unfinished().order_by("created_at").values_list("created_at", flat=True).first()
    return pace if oldest is None else max(pace, (timezone.now() - oldest).total_seconds())


def _unfinished() -> QuerySet[Answer]:
    since = timezone.now() - timedelta(seconds=settings.ANSWER_TIMEOUT)
    return Answer.objects.filter(status__in=_BUSY, created_at__gte=since)


def in_flight() -> int:
    """Questions asked and not yet final (older ones are the reaper's, not the workers' load)."""
    return _unfinished().count()


def expected_seconds(*, ahead: int, workers: int, service: float) -> float:
    """When a new question would be answered: the rounds of `workers` answers before its own, then its own.

    The pace was measured with the workers busy, so it is the slow case: a question that finds a worker free
    is admitted whatever the pace (answer_admit), one that would queue only if the rounds fit the budget.
    """
    return service * math.ceil((ahead + 1) / workers)


def answer_admit() -> None:
    """Raise a 429 "busy" ApplicationError with Retry-After if a new question would not be answered in time.

    Called inside the transaction that records the question; on PostgreSQL an advisory lock held until its
    commit makes concurrent askers take turns, so each counts the others' questions.
    """
    if not settings.ANSWER_ADMISSION:
        return
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
    workers, ahead = settings.ANSWER_WORKERS, in_flight()
    if ahead < min(workers, settings.ANSWER_MAX_IN_FLIGHT):
        return  # a worker is free: it starts at once, and its deadline still ends it in time if it is slow
    service = service_seconds()  # read only when the answer would queue: two queries off the common path
    if ahead >= settings.ANSWER_MAX_IN_FLIGHT:
        retry = service / workers if service else 5.0
    elif service is None:
        retry = 5.0  # no pace known yet: no more than the workers can start at once
    elif expected_seconds(ahead=ahead, workers=workers, service=service) <= _BUDGET_SHARE * settings.ANSWER_TIMEOUT:
        return
    else:
        retry = service / workers
    seconds = max(1, min(60, math.ceil(retry)))
    raise ApplicationError(
        f"Too many questions are being answered right now; try again in {seconds} s.",
        status=429,
        code="busy",
        retry_after=seconds,
    )
