"""Helpers for the notes tests: make indexed notes and ready documents, poll the worker's progress."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.test import APIClient

from notes import indexing, services
from notes.models import Note


def poll(fetch: Callable[[], dict[str, Any]], done: Callable[[dict[str, Any]], bool], timeout: float) -> dict[str, Any]:
    """Call fetch until done(result) or the timeout, failing with the last result."""
    deadline = time.monotonic() + timeout
    while True:
        body = fetch()
        if done(body):
            return body
        if time.monotonic() > deadline:
            pytest.fail(f"still not done after {timeout} s: {body}")
        time.sleep(0.3)


@pytest.fixture
def wait_for_index() -> Callable[..., dict[str, Any]]:
    """Poll GET /api/notes/{id}/ until indexing finished (ready or failed) for the given version."""

    def wait(client: APIClient, note_id: int, version: int = 1, timeout: float = 180) -> dict[str, Any]:
        return poll(
            lambda: client.get(f"/api/notes/{note_id}/").json(),
            lambda b: b["version"] >= version and b["index_status"] in ("ready", "failed"),
            timeout,
        )

    return wait


@pytest.fixture
def wait_for_action() -> Callable[..., dict[str, Any]]:
    """Poll GET /api/notes/actions/{id}/ until the action is done or failed."""

    def wait(client: APIClient, action_id: int, timeout: float = 300) -> dict[str, Any]:
        return poll(
            lambda: client.get(f"/api/notes/actions/{action_id}/").json(),
            lambda b: b["status"] in ("done", "failed"),
            timeout,
        )

    return wait


def indexed_note(owner: Any, title: str, body: str, tags: tuple[str, ...] = ()) -> Note:
    """A note created and indexed in this process (no worker needed)."""
    note = services.note_create(owner=owner, title=title, body=body, tags=tags)
    indexed = indexing.note_index(note_id=note.pk)
    assert indexed is not None
    assert indexed.index_status == "ready", indexed.index_error
    return indexed
