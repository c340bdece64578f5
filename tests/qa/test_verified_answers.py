"""Verified answers end to end, with the real local models and the real Chroma server.

Whatever SmolLM-135M writes, the API's answer is either its sentences checked one by one (each supported
one citing the passage that supports it) or the sources' own sentences quoted, and a question no passage
is about is refused; the page shows which.
"""

import pytest
from django.urls import reverse

from rag_app.qa import pipeline, services, stream
from rag_app.qa.models import Answer
from tests.qa.conftest import ready_document
from tests.qa.helpers import answer_now

pytestmark = [pytest.mark.django_db, pytest.mark.stack]

TOWER = "The Eiffel Tower is 330 metres tall and stands in Paris. It was completed in 1889 for a world's fair."


def test_the_answer_states_the_fact_and_its_sentences_cite_the_passage_that_supports_them(alice, settings):
    ready_document(alice, "tower.txt", TOWER)
    body = answer_now(alice, "How tall is the Eiffel Tower?")
    answer = Answer.objects.get(pk=body["id"])
    verification = answer.checks["verification"]
    assert body["status"] == "done", body["error"]
    assert "330 metres" in body["answer"]
    assert verification["path"] in ("generated", "quoted"), verification
    claims = [s for s in body["sentences"] if s["claim"]]
    assert claims
    for sentence in claims:
        assert {"text", "citations", "supported", "score"} <= set(sentence)
        assert (sentence["citations"] == [1]) is sentence["supported"], sentence
    assert body["citations"][0]["cited"] is True
    if verification["path"] == "quoted":
        assert body["answer"].startswith("Your documents say: \u201c")
        assert answer.model_text  # kept aside, behind a disclosure on the page
    # Provenance: the knobs used and the path taken.
    assert answer.checks["retrieval"]["method"] == settings.RETRIEVAL_FUSION
    assert answer.checks["generation"]["repetition"]["penalty"] == settings.ANSWER_REPETITION_PENALTY
    assert answer.checks["generation"]["finish_reason"] in ("stop", "length", "repeating")
    assert verification["reason"]


def test_a_mostly_unsupported_answer_shows_the_sources_sentences_and_the_page_keeps_the_models_aside(
    alice, alice_client, settings
):
    settings.VERIFY_FALLBACK_BELOW = 1.01  # no generated answer is supported enough: always the fallback
    ready_document(alice, "tower.txt", TOWER)
    body = answer_now(alice, "How tall is the Eiffel Tower?")
    answer = Answer.objects.get(pk=body["id"])
    assert (
        body["answer"] == "Your documents say: \u201cThe Eiffel Tower is 330 metres tall and stands in Paris.\u201d [1]"
    )
    assert [(s["text"], s["citations"], s["supported"]) for s in body["sentences"]] == [
        ("The Eiffel Tower is 330 metres tall and stands in Paris.", [1], True)
    ]
    assert [c["cited"] for c in body["citations"]] == [True]
    provenance = alice_client.get(reverse("api:answer-provenance", args=[answer.pk])).json()
    assert provenance["checks"]["verification"]["path"] == "quoted"
    assert "of the sentences are supported" in provenance["checks"]["verification"]["reason"]
    assert provenance["model_text"] == answer.model_text != ""
    page = alice_client.get(reverse("qa:conversation", args=[answer.conversation_id])).content.decode()
    assert "Your documents say:" in page
    assert '<details class="model-text">' in page
    assert f'href="/documents/{body["citations"][0]["document_id"]}/#chunk-' in page


def test_a_near_miss_question_is_refused_though_a_passage_shares_its_words(alice):
    ready_document(alice, "tower.txt", TOWER)
    body = answer_now(alice, "How tall is the Tokyo Tower?")
    answer = Answer.objects.get(pk=body["id"])
    assert "could not find" in body["answer"]
    assert not any(c["cited"] for c in body["citations"])
    assert answer.checks["verification"]["path"] in ("refused", "no sources")
    if answer.checks["verification"]["path"] == "refused":
        assert answer.checks["verification"]["reason"] == "no passage mentions Tokyo, Tower"


def test_an_answer_cut_at_max_tokens_is_marked_truncated_in_the_json_the_done_event_and_the_page(
    alice, alice_client, settings
):
    settings.REDIS_URL = ""  # the database transport of the embedded stack
    settings.ANSWER_MAX_TOKENS = 4
    ready_document(alice, "tower.txt", TOWER)
    created = services.answer_create(owner=alice, question="Describe the Eiffel Tower in detail.")
    pipeline.answer_generate(answer_id=created.pk)
    answer = Answer.objects.get(pk=created.pk)
    assert (answer.truncated, answer.completion_tokens) == (True, 4)
    assert answer.checks["generation"]["finish_reason"] == "length"
    done = stream.read(answer.pk, "0", timeout=1)[-1]
    assert done.kind == "done"
    assert (done.data["truncated"], done.data["completion_tokens"]) == (True, 4)
    assert alice_client.get(reverse("api:answer", args=[answer.pk])).json()["truncated"] is True
    page = alice_client.get(reverse("qa:conversation", args=[answer.conversation_id])).content.decode()
    assert "Cut at 4 tokens" in page
