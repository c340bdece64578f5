"""POST /api/ask/ through the real Celery worker: JSON and Server-Sent Events, conversations, provenance."""

import json

import pytest

from tests.qa.conftest import ready_document

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.stack]


def sse(response):
    """The (event, data) pairs of a streamed response."""
    body = b"".join(response.streaming_content).decode()
    events = []
    for block in body.split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines() if not line.startswith(":"))
        if "event" in lines:
            events.append((lines["event"], json.loads(lines["data"])))
    return events


def test_streamed_answer_sends_meta_tokens_citations_and_done(worker, alice, alice_api):
    document = ready_document(alice, "tower.txt", "The Eiffel Tower is 330 metres tall and stands in Paris.")
    response = alice_api.post(
        "/api/ask/",
        {"question": "How tall is the Eiffel Tower?", "stream": True},
        format="json",
        HTTP_ACCEPT="text/event-stream",  # what browsers' fetch and SSE clients send
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "text/event-stream"
    events = sse(response)
    kinds = [k for k, _ in events]
    assert kinds[0] == "meta"
    assert kinds.count("token") >= 1
    assert kinds[-2:] == ["citations", "done"]
    citations = events[-2][1]["citations"]
    assert citations[0]["document_id"] == document.pk
    answer_id = events[0][1]["answer_id"]

    detail = alice_api.get(f"/api/answers/{answer_id}/").json()
    assert detail["status"] == "done"
    assert detail["citations"] == citations
    provenance = alice_api.get(f"/api/answers/{answer_id}/provenance/").json()
    assert provenance["providers"]["chat"] == {"provider": "local", "model": "SmolLM2-135M-Instruct"}
    assert provenance["retrieval"][0]["status"] == "given"
    assert provenance["prompt"] == {"name": "answer", "version": 2}
    assert provenance["timings_ms"]["first_token"] <= provenance["timings_ms"]["total"]
    assert set(provenance["timings_ms"]) == {"queue", "retrieval", "first_token", "generation", "total"}
    # a client that lost the connection can replay from the last event it saw
    replay = sse(
        alice_api.get(f"/api/answers/{answer_id}/events/", HTTP_LAST_EVENT_ID="0", HTTP_ACCEPT="text/event-stream")
    )
    assert [k for k, _ in replay][-2:] == ["citations", "done"]


def test_json_answer_and_a_follow_up_in_the_same_conversation(worker, alice, alice_api):
    ready_document(alice, "heron.txt", "Project Heron starts in March and ends in November.")
    first = alice_api.post("/api/ask/", {"question": "When does Project Heron start?"}, format="json").json()
    assert first["status"] == "done", first
    assert first["citations"]
    follow = alice_api.post(
        "/api/ask/", {"question": "And when does it end?", "conversation_id": first["conversation_id"]}, format="json"
    ).json()
    assert follow["conversation_id"] == first["conversation_id"]
    conversation = alice_api.get(f"/api/conversations/{first['conversation_id']}/").json()
    assert [a["question"] for a in conversation["answers"]] == [
        "When does Project Heron start?",
        "And when does it end?",
    ]


def test_conversations_are_listed_renamed_and_deleted_and_private(worker, alice, alice_api, bob_api):
    body = alice_api.post("/api/ask/", {"question": "Anything in my files?"}, format="json").json()
    conversation_id = body["conversation_id"]
    assert "could not find" in body["answer"]
    assert [c["id"] for c in alice_api.get("/api/conversations/").json()["results"]] == [conversation_id]
    assert bob_api.get("/api/conversations/").json()["results"] == []
    assert bob_api.get(f"/api/conversations/{conversation_id}/").status_code == 404
    assert bob_api.get(f"/api/answers/{body['id']}/provenance/").status_code == 404
    assert (
        bob_api.post("/api/ask/", {"question": "x", "conversation_id": conversation_id}, format="json").status_code
        == 404
    )
    renamed = alice_api.patch(f"/api/conversations/{conversation_id}/", {"title": "My files"}, format="json")
    assert renamed.json()["title"] == "My files"
    assert alice_api.delete(f"/api/conversations/{conversation_id}/").status_code == 204
    assert alice_api.get(f"/api/answers/{body['id']}/").status_code == 404
