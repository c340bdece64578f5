"""The whole path through the real worker process: upload, ingest on Redis/Celery, ask, cite."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests import files

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.stack]


def upload(client, name, data):
    response = client.post("/api/documents/", {"file": SimpleUploadedFile(name, data)}, format="multipart")
    assert response.status_code == 201, response.content
    return response.json()["id"]


def test_pdf_upload_ingested_by_the_worker_is_cited_in_the_answer(worker, alice_api, bob_api, wait_for_status):
    pdf = files.pdf(
        [
            "Project Heron budget. The total budget of Project Heron is 4.2 million euros.",
            "Project Heron timeline. Project Heron starts in March and ends in November.",
        ]
    )
    document_id = upload(alice_api, "heron.pdf", pdf)
    document = wait_for_status(alice_api, document_id)
    assert document["status"] == "ready", document["error"]
    assert document["page_count"] == 2

    body = alice_api.post("/api/ask/", {"question": "When does Project Heron start?"}, format="json").json()
    assert body["answer"].strip()
    cited_documents = {c["document_id"] for c in body["citations"]}
    assert cited_documents == {document_id}
    assert body["citations"][0]["page"] == 2
    assert "March" in body["citations"][0]["text"]

    # the second user sees none of it, through any path
    assert bob_api.get(f"/api/documents/{document_id}/").status_code == 404
    assert bob_api.get("/api/documents/").json()["count"] == 0
    bobs = bob_api.post("/api/ask/", {"question": "When does Project Heron start?"}, format="json").json()
    assert bobs["citations"] == []


def test_bad_files_fail_with_a_reason_and_the_worker_keeps_going(worker, alice_api, wait_for_status):
    broken = upload(alice_api, "broken.pdf", b"%PDF-1.7\n" + b"\x00junk" * 200)
    locked = upload(alice_api, "locked.pdf", files.encrypted_pdf("top secret"))
    good = upload(alice_api, "good.txt", b"The worker is still alive and well.")
    assert wait_for_status(alice_api, broken)["error"].startswith("The PDF could not be read")
    assert "encrypted" in wait_for_status(alice_api, locked)["error"]
    assert wait_for_status(alice_api, good)["status"] == "ready"
    assert worker.poll() is None
