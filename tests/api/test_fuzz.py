"""Schemathesis against the live schema, as two users, on the real stack (PostgreSQL, Redis, worker, Chroma).

Every operation gets a bounded number of generated requests, valid and invalid, sent to the live
server with a user's token; each response must not be a server error and must match the schema
(status code, content type, headers, body). Each user has a marker in their own titles and texts:
the other user's responses never contain it, and every operation that takes an id answers 404 for
the other user's ids. The figures (operations, requests) are printed: `pytest -s` shows them.
"""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

import pytest
import requests
import schemathesis
from django.contrib.auth.models import User
from hypothesis import HealthCheck, given, settings
from pytest_django.fixtures import Settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from notes import services as note_services
from rag_app.accounts.services import token_create
from rag_app.qa import batch
from rag_app.qa.models import Answer, Conversation
from tests.qa.conftest import ready_document

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.stack]

EXAMPLES = 6  # per operation, user and mode: bounded, so the run stays in minutes on two cores
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
IDS = ("document_id", "note_id", "answer_id", "conversation_id", "batch_id", "action_id")


def _seed(user: User, marker: str) -> dict[str, int]:
    """A little of everything, each carrying the user's marker; the ids by path parameter name."""
    document = ready_document(user, f"{marker}.txt", f"The {marker} report says the bridge opens in May.")
    note = note_services.note_create(owner=user, title=f"Note {marker}", body=f"About {marker}.", tags=["t"])
    conversation = Conversation.objects.create(owner=user, title=f"Talk {marker}")
    answer = Answer.objects.create(
        owner=user, conversation=conversation, question=f"Who is {marker}?", text=f"{marker}.", status="done"
    )
    questions = batch.question_batch_create(owner=user, questions=[f"Where is {marker}?"], name=f"Batch {marker}")
    action = note.actions.create(owner=user, kind="summarise", status="done")
    return {
        "document_id": document.pk,
        "note_id": note.pk,
        "answer_id": answer.pk,
        "conversation_id": conversation.pk,
        "batch_id": questions.pk,
        "action_id": action.pk,
        "version": 1,
    }


def _fuzz(
    schema: Any, base_url: str, token: str, forbidden: str, tally: Counter[str], seconds: Any, failures: list[str]
) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    session = requests.Session()
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE):

            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                database=None,
                derandomize=True,
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy(generation_mode=mode))
            def run(case: Any) -> None:
                response = case.call(base_url=base_url, session=session, headers=headers, timeout=120)
                tally["requests"] += 1
                tally[f"status {response.status_code // 100}xx"] += 1
                case.validate_response(response, checks=CHECKS, headers=headers)
                assert forbidden not in response.text, f"{case.method} {case.formatted_path}: another user's data"

            started = time.monotonic()
            try:
                run()
            except BaseException as exc:  # schemathesis raises a BaseExceptionGroup: every one is collected
                if isinstance(exc, KeyboardInterrupt):
                    raise
                failures.append(f"{operation.method.upper()} {operation.path} ({mode.value}): {exc}"[:3000])
            seconds[f"{operation.method.upper()} {operation.path}"] += time.monotonic() - started
        tally["operations"] += 1


def _cross_user(
    schema: Any, base_url: str, token: str, mine: dict[str, int], theirs: dict[str, int], tally: Counter[str]
) -> None:
    """Every operation with an id, called with the other user's ids: 404, whatever the method.

    (The same GET with the user's own ids is 200: the 404 is about whose it is, not the path.)
    """
    headers = {"Authorization": f"Bearer {token}"}
    for result in schema.get_all_operations():
        operation = result.ok()
        names = {p.name for p in operation.path_parameters}
        if not names & set(IDS):
            continue
        if operation.method.upper() == "GET":
            own = operation.path.format(**{name: mine[name] for name in names})
            assert requests.get(f"{base_url}{own}", headers=headers, timeout=60).status_code == 200, own
        path = operation.path.format(**{name: theirs[name] for name in names})
        valid: dict[str, Any] = {
            "version": 1,
            "title": "Mine now",
            "kind": "summarise",
        }  # so only ownership can refuse it
        body: Any = valid if operation.method.upper() in ("POST", "PATCH") else None
        response = requests.request(operation.method, f"{base_url}{path}", headers=headers, json=body, timeout=60)
        assert response.status_code == 404, f"{operation.method} {path}: {response.status_code} {response.text[:200]}"
        tally["cross-user calls"] += 1


def test_the_api_holds_its_schema_under_fuzzing_as_two_users(
    worker, live_server, settings: Settings, alice: User, bob: User
) -> None:
    # Limits off: the fuzzer would mostly meet 429s (tests/api/test_limits.py tests them).
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {}}
    ids = {"alice": _seed(alice, "zebracorn"), "bob": _seed(bob, "quokkafish")}
    base_url = live_server.url  # the schema's paths start with /api/
    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/schema/?format=json")
    tally: Counter[str] = Counter()
    seconds: Counter[str] = Counter()  # float seconds per operation
    failures: list[str] = []
    for user, other, marker in ((alice, "bob", "quokkafish"), (bob, "alice", "zebracorn")):
        token = token_create(owner=user, name="fuzz")[1]
        _cross_user(schema, base_url, token, ids[user.username], ids[other], tally)
        _fuzz(schema, base_url, token, marker, tally, seconds, failures)
    print(f"\nschemathesis: {dict(sorted(tally.items()))}")
    print("slowest operations (s):", ", ".join(f"{op} {t:.0f}" for op, t in seconds.most_common(5)))
    assert tally["operations"] >= 2 * 30
    assert not failures, "\n\n".join(failures)
    assert tally["status 5xx"] == 0
