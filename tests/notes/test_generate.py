"""POST /api/notes/generate/: key points of chosen documents, written by the real model via the worker."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from documents import services as document_services
from notes.models import NoteAction

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.stack]


def upload(client, name, text):
    response = client.post("/api/documents/", {"file": SimpleUploadedFile(name, text.encode())}, format="multipart")
    assert response.status_code == 201, response.content
    return response.json()["id"]


def test_key_points_note_from_documents(worker, alice_api, bob_api, wait_for_status, wait_for_action):
    first = upload(alice_api, "heron.txt", "Project Heron has a budget of 4.2 million euros. It starts in March.")
    second = upload(alice_api, "swift.txt", "Project Swift builds a bridge. It needs twelve engineers.")
    for document_id in (first, second):
        assert wait_for_status(alice_api, document_id)["status"] == "ready"

    # bob cannot use alice's documents, and learns nothing about them
    refused = bob_api.post("/api/notes/generate/", {"document_ids": [first]}, format="json")
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "bad_documents"

    queued = alice_api.post("/api/notes/generate/", {"document_ids": [first, second]}, format="json")
    assert queued.status_code == 202, queued.content
    action = wait_for_action(alice_api, queued.json()["id"])
    assert action["status"] == "done", action["error"]
    assert action["kind"] == "from_documents"
    assert action["model"] == "SmolLM2-135M-Instruct"
    assert action["prompt_name"] == "note_key_points"

    note = alice_api.get(f"/api/notes/{action['note_id']}/").json()
    assert note["title"] == "Key points: heron.txt, swift.txt"
    assert note["tags"] == ["key-points"]
    points, sources = note["body"].split("## Sources")
    assert points.strip()
    assert f'href="/documents/{first}/"' in note["body_html"]
    assert f'href="/documents/{second}/"' in note["body_html"]
    assert "swift.txt" in sources
    assert bob_api.get(f"/api/notes/{note['id']}/").status_code == 404


def test_no_documents_or_not_ready_ones_are_refused(alice, alice_api):
    assert alice_api.post("/api/notes/generate/", {"document_ids": []}, format="json").status_code == 400
    # Not queued: the session's worker may be running, and would otherwise ingest it during the test
    # (making it ready) or still be writing it when the test's tables are flushed (a deadlock).
    text = b"Not ingested: never queued."
    document, _ = document_services.document_create(
        owner=alice, upload=SimpleUploadedFile("pending.txt", text), enqueue=False
    )
    queued = document.pk
    response = alice_api.post("/api/notes/generate/", {"document_ids": [queued]}, format="json")
    assert response.status_code == 400
    assert str(queued) in response.json()["error"]["message"]
    assert not NoteAction.objects.exists()
