"""POST/GET /api/documents/: upload validation and per-user visibility."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from documents.models import Document
from tests import files

pytestmark = pytest.mark.django_db


def upload(client, name, data, content_type="application/octet-stream"):
    return client.post("/api/documents/", {"file": SimpleUploadedFile(name, data, content_type)}, format="multipart")


def test_pdf_upload_is_queued_for_its_owner(alice_api, alice):
    response = upload(alice_api, "report.pdf", files.pdf(["Quarterly figures."]))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "queued"
    assert body["title"] == "report.pdf"
    assert body["kind"] == "pdf"
    document = Document.objects.get(pk=body["id"])
    assert document.owner == alice
    assert document.file.read().startswith(b"%PDF-")


def test_text_and_markdown_are_accepted(alice_api):
    assert upload(alice_api, "a.txt", b"plain words").json()["kind"] == "text"
    assert upload(alice_api, "b.md", b"# heading\n\nbody").json()["kind"] == "markdown"


def test_empty_file_is_refused(alice_api):
    response = upload(alice_api, "empty.txt", b"")
    assert response.status_code == 400
    assert "empty" in response.json()["error"]["message"]
    assert not Document.objects.exists()


@override_settings(MAX_UPLOAD_MB=1)
def test_file_over_the_limit_is_refused(alice_api):
    response = upload(alice_api, "big.txt", b"a" * (1024 * 1024 + 1))
    assert response.status_code == 413
    assert "limit is 1 MB" in response.json()["error"]["message"]
    assert not Document.objects.exists()


def test_text_renamed_pdf_is_refused(alice_api):
    response = upload(alice_api, "fake.pdf", b"this is not a pdf at all")
    assert response.status_code == 400
    assert "not a PDF" in response.json()["error"]["message"]
    assert not Document.objects.exists()


def test_missing_file_field_is_a_clear_400(alice_api):
    response = alice_api.post("/api/documents/", {}, format="multipart")
    assert response.status_code == 400
    assert "file" in response.json()["error"]["fields"]


def test_path_in_filename_is_not_followed(alice_api):
    response = upload(alice_api, "../../etc/evil.txt", b"words")
    assert response.status_code == 201
    stored = Document.objects.get(pk=response.json()["id"]).file.name
    assert ".." not in stored
    assert stored.startswith("documents/")


def test_anonymous_requests_are_refused(client):
    assert client.get("/api/documents/").status_code in (401, 403)


def test_other_users_documents_are_invisible(alice_api, bob_api):
    document_id = upload(alice_api, "alice.txt", b"alice's secret plans").json()["id"]
    assert bob_api.get("/api/documents/").json()["results"] == []
    assert bob_api.get(f"/api/documents/{document_id}/").status_code == 404
    assert [d["id"] for d in alice_api.get("/api/documents/").json()["results"]] == [document_id]
    assert alice_api.get(f"/api/documents/{document_id}/").json()["status"] == "queued"


def test_token_endpoint_gives_a_working_token(client, alice):
    response = client.post("/api/auth/token/", {"username": "alice", "password": "alice-pass-123"})
    assert response.status_code == 200
    token = response.json()["token"]
    listed = client.get("/api/documents/", HTTP_AUTHORIZATION=f"Token {token}")
    assert listed.status_code == 200
    assert client.post("/api/auth/token/", {"username": "alice", "password": "wrong"}).status_code == 400
