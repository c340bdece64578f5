"""The answer pipeline with the real local models: cited answers, provenance, refusals, budget, follow-ups."""

import pytest

from rag_app.errors import ApplicationError
from rag_app.providers import registry
from rag_app.qa import pipeline, services, stream
from rag_app.qa.models import Answer
from tests.qa.conftest import ready_document
from tests.qa.helpers import answer_now

pytestmark = [pytest.mark.django_db, pytest.mark.stack]

CITATION_KEYS = {"n", "document_id", "title", "chunk_id", "page", "text", "score", "heading", "cited"}


def test_answer_cites_the_users_document_and_keeps_full_provenance(alice):
    document = ready_document(alice, "tower.txt", "The Eiffel Tower is 330 metres tall and stands in Paris.")
    body = answer_now(alice, "How tall is the Eiffel Tower?")
    assert body["status"] == "done", body["error"]
    assert body["answer"]
    first = body["citations"][0]
    assert set(first) == CITATION_KEYS
    assert (first["n"], first["document_id"], first["chunk_id"]) == (1, document.pk, f"{document.pk}:0")
    answer = Answer.objects.get(pk=body["id"])
    assert answer.standalone_question == "How tall is the Eiffel Tower?"
    assert answer.retrieval[0]["status"] == "given"
    assert answer.retrieval[0]["vector_rank"] == 1
    assert (answer.prompt_name, answer.prompt_version) == ("answer", 2)
    assert (answer.provider, answer.model) == ("local", "SmolLM2-135M-Instruct")
    assert (answer.embedding_provider, answer.embedding_model) == ("local", "all-MiniLM-L6-v2")
    assert answer.prompt_tokens > 20
    assert answer.completion_tokens > 0
    assert answer.context_tokens == 8192
    assert 0 < answer.first_token_ms <= answer.duration_ms
    assert 0 < answer.generation_ms <= answer.duration_ms
    assert answer.queue_ms is not None
    assert answer.retrieval_ms > 0  # the question's embedding alone takes milliseconds
    assert answer.queue_ms + answer.retrieval_ms + answer.generation_ms <= answer.duration_ms


def test_an_off_topic_question_is_refused_without_calling_the_model(alice):
    ready_document(alice, "tower.txt", "The Eiffel Tower is 330 metres tall and stands in Paris.")
    body = answer_now(alice, "How do I bake sourdough bread?")
    assert body["status"] == "done"
    assert body["citations"] == []
    assert "could not find" in body["answer"]
    assert body["provider"] == ""  # no chat model was asked


def test_events_arrive_in_order_tokens_then_citations_then_done(alice, settings):
    settings.REDIS_URL = ""  # the database transport of the embedded stack
    ready_document(alice, "tower.txt", "The Eiffel Tower is 330 metres tall and stands in Paris.")
    answer = services.answer_create(owner=alice, question="How tall is the Eiffel Tower?")
    pipeline.answer_generate(answer_id=answer.pk)
    events = stream.read(answer.pk, "0", timeout=1)
    kinds = [e.kind for e in events]
    assert kinds[0] == "token"
    assert kinds[-2:] == ["citations", "done"]
    streamed = "".join(e.data["text"] for e in events if e.kind == "token").strip()
    answer.refresh_from_db()
    path = answer.checks["verification"]["path"]
    # The tokens are the model's; the final text is its checked sentences, or the sources' own when it
    # was mostly unsupported (the model's text kept aside), or the refusal.
    if path == "generated":
        assert [s["text"] for s in answer.sentences if s["text"][:20] not in streamed] == []
    else:
        assert path in ("quoted", "refused")
        assert answer.model_text
        assert answer.model_text in streamed
    assert events[-2].data["citations"] == answer.citations
    assert events[-2].data["sentences"] == answer.sentences
    assert (events[-1].data["path"], events[-1].data["truncated"]) == (path, answer.truncated)
    assert "<script" not in events[-2].data["html"]


def test_sources_that_do_not_fit_the_context_are_left_out_and_recorded(alice, monkeypatch, settings):
    settings.RETRIEVAL_TOP_K = 3
    settings.CHUNK_TOKENS = 30
    settings.ANSWER_MAX_TOKENS = 32
    paragraphs = [f"Fact {i}: the harbour crane number {i} lifts {i * 10} tonnes of cargo." for i in range(6)]
    ready_document(alice, "harbour.txt", "\n\n".join(paragraphs))
    monkeypatch.setattr(registry.RoutedChatModel, "context_length", lambda self: 260)
    body = answer_now(alice, "How many tonnes does the harbour crane lift?")
    answer = Answer.objects.get(pk=body["id"])
    statuses = [c["status"] for c in answer.retrieval]
    assert "dropped: context full" in statuses
    assert 1 <= len(body["citations"]) < 3
    assert [c["n"] for c in body["citations"]] == list(range(1, len(body["citations"]) + 1))
    assert answer.context_tokens == 260
    assert answer.prompt_tokens + answer.completion_tokens <= 260


def test_a_context_too_small_for_any_source_fails_with_a_clear_reason(alice, monkeypatch):
    ready_document(alice, "tower.txt", "The Eiffel Tower is 330 metres tall and stands in Paris.")
    monkeypatch.setattr(registry.RoutedChatModel, "context_length", lambda self: 200)
    body = answer_now(alice, "How tall is the Eiffel Tower?")
    assert body["status"] == "failed"
    assert "do not fit the chat model's context of 200 tokens" in body["error"]


def test_a_follow_up_is_condensed_with_the_history_for_retrieval(alice):
    ready_document(alice, "tower.txt", "The Eiffel Tower is 330 metres tall and stands in Paris.")
    first = answer_now(alice, "How tall is the Eiffel Tower?")
    follow = answer_now(alice, "And where is it?", conversation_id=first["conversation_id"])
    answer = Answer.objects.get(pk=follow["id"])
    assert answer.conversation_id == first["conversation_id"]
    assert answer.standalone_question != "And where is it?"
    assert answer.standalone_question.strip()
    assert follow["citations"], "the condensed question found the tower passage"


def test_the_conversation_must_be_the_askers(alice, bob):
    first = answer_now(alice, "Anything?")
    with pytest.raises(ApplicationError, match="Conversation not found"):
        services.answer_create(owner=bob, question="Mine?", conversation_id=first["conversation_id"])
