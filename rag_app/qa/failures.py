"""What a failed answer tells its asker: the plain message and support id that rag_app.redact shows non-staff.

Who sees what is rag_app.redact's (staff the details); the details (provider URLs, the SDK's own words) stay
on the row and in the log, found by the support id.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from rag_app import redact
from rag_app.qa.models import Answer

PLAIN = (
    "The answer could not be generated right now. Please try again in a few minutes; if it keeps "
    "failing, give support this id: {support_id}."
)


def support_id(answer_id: int) -> str:
    """The id a user quotes; staff find the answer (admin, log line "Answer <id> failed") by it."""
    return f"answer-{answer_id}"


def plain_message(answer: Answer) -> str:
    """The failed answer's message for whoever may not read its details."""
    return PLAIN.format(support_id=support_id(answer.pk))


def shown_error(answer: Answer, user: AbstractBaseUser | AnonymousUser | None) -> str:
    """The answer's error as this user may read it ('' when it did not fail)."""
    if not answer.error:
        return answer.error
    return redact.shown(answer.error, user, plain=plain_message(answer))


def error_event(answer: Answer, code: str) -> dict[str, Any]:
    """The error event's data as the worker publishes it: both versions, the relay picks one."""
    return {
        "code": code,
        "message": plain_message(answer),
        "support_id": support_id(answer.pk),
        "detail": answer.error,
    }


def event_for(kind: str, data: dict[str, Any], user: AbstractBaseUser | AnonymousUser | None) -> dict[str, Any]:
    """An event as this user may read it (rag_app.redact.shown): the detail only for staff, never an address else."""
    if kind != "error":
        return data
    plain = str(data.get("message") or "")
    return {k: v for k, v in data.items() if k != "detail"} | {
        "message": redact.shown(str(data.get("detail") or plain), user, plain=plain)
    }
