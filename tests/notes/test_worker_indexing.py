"""Through the real Celery worker: a note is indexed on create, re-indexed on edit, unindexed on delete."""

import pytest

from rag_app.index import service as index
from tests.notes.conftest import poll

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.stack]


def ask(client, question):
    response = client.post("/api/ask/", {"question": question}, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def test_note_lifecycle_in_the_index_and_in_answers(worker, alice_api, bob_api, wait_for_index, alice):
    created = alice_api.post(
        "/api/notes/",
        {"title": "Heron kickoff", "body": "Project Heron starts on 3 March in Lisbon.", "tags": ["heron"]},
        format="json",
    ).json()
    note_id = created["id"]
    note = wait_for_index(alice_api, note_id)
    assert note["index_status"] == "ready", note["index_error"]
    assert note["chunk_count"] == 1

    body = ask(alice_api, "Where does Project Heron start?")
    cited = [c for c in body["citations"] if c.get("note_id") == note_id]
    assert cited
    assert cited[0]["title"] == "Note: Heron kickoff"
    assert "Lisbon" in cited[0]["text"]
    assert not ask(bob_api, "Where does Project Heron start?")["citations"]

    edited = alice_api.patch(
        f"/api/notes/{note_id}/", {"version": 1, "body": "Project Heron starts on 3 March in Porto."}, format="json"
    ).json()
    assert edited["version"] == 2
    poll(
        lambda: alice_api.get(f"/api/notes/{note_id}/").json(),
        lambda b: b["index_status"] == "ready" and b["version"] == 2,
        180,
    )
    poll(lambda: {"text": _indexed_text(alice.pk, note_id)}, lambda b: "Porto" in b["text"], 60)
    texts = [c["text"] for c in ask(alice_api, "Where does Project Heron start?")["citations"] if c.get("note_id")]
    assert texts
    assert all("Lisbon" not in t for t in texts)

    assert alice_api.delete(f"/api/notes/{note_id}/").status_code == 204
    poll(lambda: {"ids": index.live(alice.pk).stored_ids(where={"note_id": note_id})}, lambda b: not b["ids"], 120)
    assert not [c for c in ask(alice_api, "Where does Project Heron start?")["citations"] if c.get("note_id")]
    assert worker.poll() is None


def _indexed_text(owner_id, note_id):
    hits = index.live(owner_id).query([0.0] * 384, k=5, where={"note_id": note_id})
    return " ".join(h.text for h in hits)
