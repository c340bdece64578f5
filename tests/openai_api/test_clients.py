"""Real OpenAI clients (the openai SDK, LangChain's ChatOpenAI) against the running app and the real worker.

The app runs on live_server (a thread of this process, the test database); the question is answered by
the real Celery worker with the in-process local models, retrieval on the real Chroma server.
"""

import openai
import pytest
from langchain_openai import ChatOpenAI
from pydantic import SecretStr

from notes import indexing as note_indexing
from notes import services as note_services
from rag_app.accounts.services import token_create
from rag_app.qa.models import Answer
from rag_app.qa.prompts import NOT_FOUND
from tests.qa.conftest import ready_document

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.stack]

TOWER = "The Eiffel Tower is 330 metres tall and stands in Paris."
QUESTION = [{"role": "user", "content": "How tall is the Eiffel Tower?"}]


@pytest.fixture
def alice_openai(live_server, alice):
    with openai.OpenAI(base_url=f"{live_server.url}/v1", api_key=token_create(owner=alice, name="sdk")[1]) as client:
        yield client


@pytest.fixture
def bob_openai(live_server, bob):
    with openai.OpenAI(base_url=f"{live_server.url}/v1", api_key=token_create(owner=bob, name="sdk")[1]) as client:
        yield client


def test_the_sdk_gets_an_answer_with_citations_and_usage(worker, alice, alice_openai):
    document = ready_document(alice, "tower.txt", TOWER)
    response = alice_openai.chat.completions.create(model="rag", messages=QUESTION)
    assert response.object == "chat.completion"
    assert response.model == "rag"
    choice = response.choices[0]
    assert choice.finish_reason == "stop"
    assert choice.message.role == "assistant"
    assert "[1] tower.txt" in choice.message.content  # the sources, as [n] in the text
    citations = response.model_extra["citations"]
    assert citations[0]["document_id"] == document.pk
    assert "330" in citations[0]["text"]
    assert choice.message.model_extra["citations"] == citations
    assert response.usage.prompt_tokens > 0
    assert response.usage.completion_tokens > 0
    assert response.usage.total_tokens == response.usage.prompt_tokens + response.usage.completion_tokens
    answer = Answer.objects.get(owner=alice)
    assert response.usage.prompt_tokens == answer.prompt_tokens  # the provider's count, not an estimate


def test_the_sdk_streams_chunks_ending_with_citations_and_usage(worker, alice, alice_openai):
    document = ready_document(alice, "tower.txt", TOWER)
    chunks = list(alice_openai.chat.completions.create(model="rag", messages=QUESTION, stream=True))
    assert {c.object for c in chunks} == {"chat.completion.chunk"}
    assert len({c.id for c in chunks}) == 1
    assert chunks[0].choices[0].delta.role == "assistant"
    text = "".join(c.choices[0].delta.content or "" for c in chunks)
    assert len(chunks) >= 4  # role, text..., sources, finish
    assert "Sources:\n[1] tower.txt" in text
    last = chunks[-1]
    assert last.choices[0].finish_reason == "stop"
    assert last.usage is not None
    assert last.usage.completion_tokens > 0
    assert last.model_extra["citations"][0]["document_id"] == document.pk
    assert [c.choices[0].finish_reason for c in chunks[:-1]] == [None] * (len(chunks) - 1)


def test_the_sdk_lists_models_and_a_tag_model_asks_only_those_notes(worker, alice, alice_openai):
    ready_document(alice, "tower.txt", TOWER)
    note = note_services.note_create(
        owner=alice, title="Roses", body="Prune the roses in March, just above a bud.", tags=["garden"]
    )
    note_indexing.note_index(note_id=note.pk)
    assert [m.id for m in alice_openai.models.list()] == ["rag", "rag:garden"]
    response = alice_openai.chat.completions.create(
        model="rag:garden", messages=[{"role": "user", "content": "When do I prune the roses?"}]
    )
    citations = response.model_extra["citations"]
    assert citations
    assert {c.get("note_id") for c in citations} == {note.pk}  # no document passage in a tag's model


def test_earlier_messages_become_the_conversations_history(worker, alice, alice_openai):
    ready_document(alice, "heron.txt", "Project Heron starts in March and ends in November.")
    messages = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "When does Project Heron start?"},
        {"role": "assistant", "content": "Project Heron starts in March [1]."},
        {"role": "user", "content": "And when does it end?"},
    ]
    response = alice_openai.chat.completions.create(model="rag", messages=messages)
    assert response.choices[0].message.content
    answer = Answer.objects.get(owner=alice, question="And when does it end?")
    turns = list(answer.conversation.answers.order_by("pk").values_list("question", "text"))
    assert turns[0] == ("When does Project Heron start?", "Project Heron starts in March [1].")
    assert answer.standalone_question != answer.question  # the pipeline read the follow-up with its history


def test_bobs_token_never_reaches_alices_sources(worker, alice, bob, alice_openai, bob_openai):
    ready_document(alice, "tower.txt", TOWER)
    note = note_services.note_create(owner=alice, title="Tower", body=TOWER, tags=["travel"])
    note_indexing.note_index(note_id=note.pk)
    for stream in (False, True):
        if stream:
            chunks = list(bob_openai.chat.completions.create(model="rag", messages=QUESTION, stream=True))
            text = "".join(c.choices[0].delta.content or "" for c in chunks)
            citations = chunks[-1].model_extra["citations"]
        else:
            response = bob_openai.chat.completions.create(model="rag", messages=QUESTION)
            text, citations = response.choices[0].message.content, response.model_extra["citations"]
        assert citations == []
        assert text == NOT_FOUND
        assert "330" not in text
    assert [m.id for m in bob_openai.models.list()] == ["rag"]
    with pytest.raises(openai.NotFoundError, match="does not exist"):
        bob_openai.chat.completions.create(model="rag:travel", messages=QUESTION)


def test_a_wrong_key_raises_the_sdks_authentication_error(live_server, db):
    client = openai.OpenAI(base_url=f"{live_server.url}/v1", api_key="rag_wrong")
    with client, pytest.raises(openai.AuthenticationError, match="Unknown, revoked or expired"):
        client.models.list()


def test_langchain_chat_openai_invokes_and_streams(worker, live_server, alice):
    ready_document(alice, "tower.txt", TOWER)
    key = SecretStr(token_create(owner=alice, name="langchain")[1])
    chat = ChatOpenAI(base_url=f"{live_server.url}/v1", api_key=key, model="rag")
    message = chat.invoke("How tall is the Eiffel Tower?")
    assert "[1] tower.txt" in message.text
    assert message.usage_metadata is not None
    assert message.usage_metadata["total_tokens"] > 0
    pieces = list(chat.stream("How tall is the Eiffel Tower?"))
    streamed = "".join(p.text for p in pieces)
    assert len(pieces) >= 3
    assert "[1] tower.txt" in streamed
