"""What a failed answer tells its asker: staff the details, everyone else a plain message and a support id.

The details (provider URLs, the SDK's own words) stay on the row and in the log, found by the support id.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from rag_app.qa.models import Answer
from rag_app.redact import without_addresses

PLAIN = (
    "The answer could not be generated right now. Please try again in a few minutes; if it keeps "
    "failing, give support this id: {support_id}."
)


def support_id(answer_id: int) -> str:
    """The id a user quotes; staff find the answer (admin, log line "Answer <id> failed") by it."""
    return f"answer-{answer_id}"


def sees_details(user: AbstractBaseUser | AnonymousUser | None) -> bool:
    return bool(user is not None and getattr(user, "is_staff", False))


def shown_error(answer: Answer, user: AbstractBaseUser | AnonymousUser | None) -> str:
    """The answer's error as this user may read it ('' when it did not fail)."""
    if not answer.error or sees_details(user):
        return answer.error
    return PLAIN.format(support_id=support_id(answer.pk))


def error_event(answer: Answer, code: str) -> dict[str, Any]:
    """The error event's data as the worker publishes it: both versions, the relay picks one."""
    return {
        "code": code,
        "message": PLAIN.format(support_id=support_id(answer.pk)),
        "support_id": support_id(answer.pk),
        "detail": answer.error,
    }


def event_for(kind: str, data: dict[str, Any], user: AbstractBaseUser | AnonymousUser | None) -> dict[str, Any]:
    """An event as this user may read it: error details only for staff; others never see an address."""
    if kind != "error":
        return data
    shown = {k: v for k, v in data.items() if k != "detail"}
    if sees_details(user):
        shown["message"] = data.get("detail", data.get("message"))
    elif isinstance(shown.get("message"), str):
        shown["message"] = without_addresses(shown["message"])
    return shown
