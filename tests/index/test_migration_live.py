"""A migration MiniLM -> SmolLM2-135M-mean while people ask: the real worker builds, the switch and the rollback
reach it within the TTL, and no question fails or comes back empty. Real Chroma server, real worker, real models.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from django.db import connection
from rest_framework.test import APIClient

from rag_app.accounts.services import token_create
from rag_app.evals.generation_check import generation_check
from rag_app.index import generations, lifecycle, reconcile
from rag_app.index.models import Generation
from rag_app.providers.local import SMOL_EMBED_MODEL_NAME
from tests.qa.conftest import ready_document

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.stack]

FACTS = {
    "lighthouse.txt": (
        "The Skerry Point lighthouse is painted red and white.",
        "What colour is the Skerry lighthouse?",
    ),
    "harbour.txt": ("The harbour master keeps the tide tables in the blue hut.", "Where are the harbour tide tables?"),
    "ferry.txt": ("The Orkney ferry leaves pier four at seven every morning.", "When does the Orkney ferry leave?"),
}


class Asker(threading.Thread):
    """Asks its questions through the API in a loop until told to stop; keeps every outcome."""

    def __init__(self, secret: str, questions: list[str]) -> None:
        super().__init__(daemon=True)
        self.client = APIClient()
        self.client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
        self.questions = questions
        self.stop = threading.Event()
        self.outcomes: list[dict[str, Any]] = []

    def run(self) -> None:
        try:
            n = 0
            while not self.stop.is_set():
                question = self.questions[n % len(self.questions)]
                n += 1
                asked = time.monotonic()
                response = self.client.post("/api/ask/", {"question": question}, format="json")
                body = response.json() if response.status_code < 500 else {"status": str(response.status_code)}
                generation = ""
                if body.get("id"):
                    provenance = self.client.get(f"/api/answers/{body['id']}/provenance/").json()
                    generation = provenance["providers"]["embeddings"]["generation"]
                self.outcomes.append(
                    {"asked": asked, "answered": time.monotonic(), "body": body, "generation": generation}
                )
        finally:
            connection.close()


def wait_until(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"{what} not within {timeout} s")
        time.sleep(0.5)


def test_questions_never_fail_while_a_migration_builds_switches_and_rolls_back(worker, alice, settings):
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {**rates, "ask_user": None}}
    documents = {name: ready_document(alice, name, text) for name, (text, _) in FACTS.items()}
    _, secret = token_create(owner=alice, name="askers")
    askers = [Asker(secret, [q for _, q in FACTS.values()][i:] + [q for _, q in FACTS.values()][:i]) for i in range(3)]
    for asker in askers:
        asker.start()
    ttl = float(settings.PROVIDER_CONFIG_TTL)
    try:
        row = lifecycle.generation_start(kind="local", model=SMOL_EMBED_MODEL_NAME)
        wait_until(lambda: Generation.objects.get(pk=row.pk).state == "ready", 900, "the build in the worker")
        row.refresh_from_db()
        assert row.done == row.total == len(documents)
        assert reconcile.reconcile(fix=False, generation=generations.of_row(row)).problems == 0

        _, worse, lines = generation_check(source="recent", owner_id=alice.pk, margin=1.0, k=5)
        assert not worse
        assert any(line.startswith("recall@5") for line in lines)
        assert "not worse" in Generation.objects.get(pk=row.pk).check_output

        lifecycle.generation_switch()  # checked: no force needed
        switched = time.monotonic()
        wait_until(
            lambda: sum(o["asked"] > switched + ttl + 1 for a in askers for o in a.outcomes) >= 3,
            600,
            "three answers after the switch",
        )
        lifecycle.generation_rollback()
        rolled_back = time.monotonic()
        wait_until(
            lambda: sum(o["asked"] > rolled_back + ttl + 1 for a in askers for o in a.outcomes) >= 2,
            600,
            "two answers after the rollback",
        )
    finally:
        for asker in askers:
            asker.stop.set()
        for asker in askers:
            asker.join(timeout=300)
    outcomes = [o for a in askers for o in a.outcomes]
    failed = [o["body"] for o in outcomes if o["body"].get("status") != "done" or not o["body"].get("citations")]
    assert failed == [], f"{len(failed)} of {len(outcomes)} answers failed or were empty"
    assert all(str(o["body"]["answer"]).strip() for o in outcomes)
    by_phase = {
        "after switch": {
            o["generation"] for o in outcomes if o["asked"] > switched + ttl + 1 and o["answered"] < rolled_back
        },
        "after rollback": {o["generation"] for o in outcomes if o["asked"] > rolled_back + ttl + 1},
    }
    assert by_phase == {"after switch": {"2"}, "after rollback": {"1"}}
    print(f"\n[migration] {len(outcomes)} answers through build, switch and rollback, none failed or empty")
    lifecycle.generation_drop(number=2)
