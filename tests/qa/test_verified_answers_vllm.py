"""Verified answers on the real vLLM CPU servers: the repetition controls are accepted, sentences are checked."""

import pytest

from rag_app.providers import config
from rag_app.qa.models import Answer
from tests.qa.conftest import ready_document
from tests.qa.helpers import answer_now

pytestmark = [pytest.mark.django_db, pytest.mark.vllm, pytest.mark.usefixtures("vllm_servers", "own_collection")]

TOWER = "The Eiffel Tower is 330 metres tall and stands in Paris. It was completed in 1889 for a world's fair."


def test_vllm_answers_are_verified_and_record_the_repetition_controls_it_was_sent(alice, settings):
    settings.LLM_PROVIDER = "vllm"
    settings.ANSWER_REPETITION_PENALTY = 1.2
    settings.ANSWER_FREQUENCY_PENALTY = 0.4
    config.invalidate()
    ready_document(alice, "tower.txt", TOWER)
    body = answer_now(alice, "How tall is the Eiffel Tower?")
    answer = Answer.objects.get(pk=body["id"])
    assert body["status"] == "done", body["error"]  # vLLM took repetition_penalty and frequency_penalty
    assert answer.provider == "vllm"
    assert answer.checks["generation"]["repetition"] == {"penalty": 1.2, "frequency_penalty": 0.4, "no_repeat_ngram": 0}
    assert answer.checks["generation"]["finish_reason"] in ("stop", "length", "repeating")
    assert answer.truncated is (answer.checks["generation"]["finish_reason"] == "length")
    assert answer.checks["verification"]["path"] in ("generated", "quoted")
    assert "330 metres" in body["answer"]
    claims = [s for s in body["sentences"] if s["claim"]]
    assert claims
    assert all((s["citations"] == [1]) is s["supported"] for s in claims)
    assert body["citations"][0]["cited"] is True
