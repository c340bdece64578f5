"""Reads for the OpenAI-compatible API: the models a user can ask and the scope each one means."""

from __future__ import annotations

from django.contrib.auth.models import User

from notes import selectors as note_selectors
from rag_app.errors import ApplicationError
from rag_app.qa.retrieval import Scope

ALL = "rag"  # every document and note of the user
TAG_PREFIX = "rag:"  # rag:<tag>: the user's notes carrying that tag


def model_ids(*, owner: User) -> list[str]:
    """`rag`, then `rag:<tag>` for each of the user's note tags."""
    return [ALL] + [TAG_PREFIX + tag for tag in note_selectors.note_tag_names(owner=owner)]


def model_scope(*, owner: User, model: str) -> Scope:
    """What a model name asks over; an unknown one is an error naming the ones there are."""
    if model == ALL:
        return Scope()
    if model.startswith(TAG_PREFIX):
        tag = model.removeprefix(TAG_PREFIX).strip().lower()
        if tag in note_selectors.note_tag_names(owner=owner):
            return Scope(tags=(tag,))
    known = ", ".join(model_ids(owner=owner))
    raise ApplicationError(
        f"The model {model!r} does not exist. Use one of: {known} (GET /v1/models).",
        status=404,
        code="model_not_found",
    )
