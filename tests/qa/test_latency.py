"""What an answer records of where its time went, and the shortcuts that cut the app's own latency (issue 19):
spans in the provenance, no condense call without history, the question vector cached per embedder."""

from dataclasses import replace

import pytest

from rag_app.index import service as index
from rag_app.providers import registry
from rag_app.providers.models import ProviderCall
from rag_app.qa.models import Answer
from rag_app.qa.retrieval import query_vectors, retrieve
from tests.qa.conftest import ready_document
from tests.qa.helpers import answer_now

pytestmark = [pytest.mark.django_db, pytest.mark.stack]


@pytest.fixture(autouse=True)
def _long_leases(settings):
    """The rows these tests create are invisible to the lease heartbeat's own connection (the test's
    transaction is not committed): a renewal on a loaded machine would find none and stop the work."""
    settings.LEASE_SECONDS = 3600


STAGES = ["queue", "condense", "retrieve", "prompt", "first_token", "generate", "finish"]
TOWER = "The Eiffel Tower is 330 metres tall and stands in Paris."


def test_an_answer_records_its_stages_back_to_back_within_its_duration(alice):
    ready_document(alice, "tower.txt", TOWER)
    body = answer_now(alice, "How tall is the Eiffel Tower?")
    assert body["status"] == "done", body["error"]
    answer = Answer.objects.get(pk=body["id"])
    spans = answer.checks["spans_ms"]
    assert set(spans) == set(STAGES)  # jsonb keeps no key order
    assert all(ms >= 0 for ms in spans.values())
    assert spans["generate"] > 0  # the model streamed for a while
    # duration_ms is truncated to a whole millisecond after the last stage ended
    assert sum(spans.values()) <= answer.duration_ms + 1
    assert spans["queue"] == pytest.approx(answer.queue_ms, abs=1)
    assert spans["retrieve"] == pytest.approx(answer.retrieval_ms, abs=1)
    inner = answer.checks["retrieval_spans_ms"]
    assert {"check", "scope", "embed", "vector", "keyword", "fuse", "verify"} <= set(inner)
    assert inner["vector_cached"] is False
    # the embedding and vector search (a pool thread) run alongside the index check and keyword search
    # (this thread): each side fits in the retrieval's time
    assert inner["embed"] + inner["vector"] <= spans["retrieve"] + 1
    this_thread = inner["scope"] + inner["check"] + inner["keyword"] + inner["fuse"] + inner["verify"]
    assert this_thread <= spans["retrieve"] + 1


def test_a_first_question_is_not_condensed_and_a_follow_up_is(alice):
    ready_document(alice, "tower.txt", TOWER)
    first = answer_now(alice, "How tall is the Eiffel Tower?")
    answer = Answer.objects.get(pk=first["id"])
    assert answer.checks["condense"] == {"history_turns": 0, "skipped": True}
    assert answer.standalone_question == answer.question
    assert ProviderCall.objects.filter(role="chat").count() == 1  # the answer itself, no condense call
    follow = answer_now(alice, "And where is it?", conversation_id=first["conversation_id"])
    assert Answer.objects.get(pk=follow["id"]).checks["condense"] == {"history_turns": 1, "skipped": False}
    assert ProviderCall.objects.filter(role="chat").count() == 3  # condense and answer


def test_a_repeated_question_reuses_its_vector_and_another_embedder_misses(alice):
    embedder = index.embedder(alice.pk)
    calls: list[object] = []
    vector, cached = query_vectors.vector(embedder, "How tall is the Eiffel Tower?", calls)
    assert not cached
    assert len(calls) == 1  # the call-log row, for the caller's thread to save
    again, cached = query_vectors.vector(embedder, "How tall is the Eiffel Tower?", calls)
    assert cached
    assert again == vector
    assert len(calls) == 1  # no second embedding call
    assert len(vector) == 384
    other = registry.GuardedEmbedder(replace(embedder.endpoint, batch_size=embedder.endpoint.batch_size + 1))
    computed, cached = query_vectors.vector(other, "How tall is the Eiffel Tower?", calls)
    assert not cached  # another embedder's vectors are never taken for this one's
    assert len(calls) == 2
    assert computed == pytest.approx(vector, abs=1e-5)  # the same local model, so the same vector


def test_retrieval_records_a_cache_hit_and_the_embedding_call_once(alice):
    ready_document(alice, "tower.txt", TOWER)
    before = ProviderCall.objects.filter(role="embeddings").count()
    first = retrieve(owner=alice, question="How tall is the Eiffel Tower?", k=4)
    second = retrieve(owner=alice, question="How tall is the Eiffel Tower?", k=4)
    assert (first.vector_cached, second.vector_cached) == (False, True)
    assert [c.as_dict() for c in second.candidates] == [c.as_dict() for c in first.candidates]
    assert ProviderCall.objects.filter(role="embeddings").count() == before + 1  # saved by the caller's thread


def test_the_cache_can_be_turned_off(alice, settings):
    settings.QUERY_VECTOR_CACHE = 0
    embedder = index.embedder(alice.pk)
    calls: list[object] = []
    query_vectors.vector(embedder, "Where is the tower?", calls)
    _, cached = query_vectors.vector(embedder, "Where is the tower?", calls)
    assert not cached
    assert len(calls) == 2


def test_provider_calls_of_an_answer_are_saved_after_it_with_the_time_they_were_made(alice):
    ready_document(alice, "tower.txt", TOWER)
    before = ProviderCall.objects.count()
    with registry.calls_saved_later() as rows:
        index.embedder(alice.pk).embed_batch(["Where is the tower?"])
        assert ProviderCall.objects.count() == before  # nothing written on the latency path
    assert [row.role for row in rows][-1] == "embeddings"
    registry.save_calls(rows)
    assert ProviderCall.objects.count() == before + len(rows)
    body = answer_now(alice, "How tall is the Eiffel Tower?")
    answer = Answer.objects.get(pk=body["id"])
    chat = ProviderCall.objects.filter(role="chat").get()
    assert chat.created_at <= answer.finished_at  # made during the answer, though saved after its final event
    assert chat.ok
