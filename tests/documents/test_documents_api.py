"""/api/documents/: upload validation, duplicates, progress, delete, re-ingest, per-user visibility."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from documents import services
from documents.models import Document
from rag_app.index import service as index
from tests import files
from tests.documents import samples

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


@pytest.mark.parametrize(
    ("name", "data", "kind", "mime_type"),
    [
        ("letter.docx", samples.docx([("p", "Dear reader")]), "docx", "wordprocessingml"),
        ("deck.pptx", samples.pptx([("Title", "Body")]), "pptx", "presentationml"),
        ("page.html", samples.html("T", "<p>Body</p>", ["Home"]), "html", "text/html"),
        ("scan.png", samples.picture("PNG"), "image", "image/png"),
        ("photo.jpg", samples.picture("JPEG"), "image", "image/jpeg"),
        ("photo.webp", samples.picture("WEBP"), "image", "image/webp"),
        ("latin1.txt", "Crème brûlée à la française".encode("latin-1"), "text", "text/plain"),
    ],
)
def test_every_supported_format_is_accepted(alice_api, name, data, kind, mime_type):
    response = upload(alice_api, name, data)
    assert response.status_code == 201, response.content
    assert response.json()["kind"] == kind
    assert mime_type in response.json()["mime_type"]


def test_same_file_again_returns_the_existing_document(alice_api, bob_api):
    pdf = files.pdf(["Figures."])  # one file: two PDFs made in different seconds differ in their dates
    first = upload(alice_api, "report.pdf", pdf)
    again = upload(alice_api, "copy-of-report.pdf", pdf)
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert Document.objects.count() == 1
    assert upload(bob_api, "report.pdf", pdf).status_code == 201  # bob's own copy


def test_detail_reports_progress(alice_api):
    document_id = upload(alice_api, "a.txt", b"words").json()["id"]
    body = alice_api.get(f"/api/documents/{document_id}/").json()
    assert body["progress"] == {"stage": None, "done": 0, "total": 0, "eta_seconds": None}


def test_progress_estimates_the_time_left_in_the_stage(alice):
    from datetime import timedelta

    from django.utils import timezone

    from documents.selectors import document_progress

    now = timezone.now()
    document = Document(
        owner=alice,
        status="processing",
        stage="embedding",
        progress_done=120,
        progress_total=480,
        stage_started_at=now - timedelta(seconds=12),
    )
    assert document_progress(document, now=now) == {"stage": "embedding", "done": 120, "total": 480, "eta_seconds": 36}


@pytest.mark.stack
def test_delete_removes_file_rows_and_vectors(alice_api, django_capture_on_commit_callbacks, alice):
    with django_capture_on_commit_callbacks(execute=False):
        document_id = upload(alice_api, "gone.txt", b"Soon to be deleted.").json()["id"]
    services.document_ingest(document_id=document_id)
    document = Document.objects.get(pk=document_id)
    path = Path(document.file.path)
    assert index.live(alice.pk).stored_ids(where={"document_id": document_id})
    with django_capture_on_commit_callbacks(execute=True):
        assert alice_api.delete(f"/api/documents/{document_id}/").status_code == 204
    assert not Document.objects.filter(pk=document_id).exists()
    assert not path.exists()
    assert index.live(alice.pk).stored_ids(where={"document_id": document_id}) == set()


def test_others_cannot_delete_or_reingest(alice_api, bob_api):
    document_id = upload(alice_api, "mine.txt", b"alice only").json()["id"]
    assert bob_api.delete(f"/api/documents/{document_id}/").status_code == 404
    assert bob_api.post(f"/api/documents/{document_id}/reingest/").status_code == 404
    assert Document.objects.filter(pk=document_id).exists()


def test_reingest_queues_a_finished_document_and_refuses_a_busy_one(alice_api):
    document_id = upload(alice_api, "a.txt", b"words").json()["id"]
    busy = alice_api.post(f"/api/documents/{document_id}/reingest/")
    assert busy.status_code == 409
    assert busy.json()["error"]["code"] == "busy"
    Document.objects.filter(pk=document_id).update(status="failed", error="old reason")
    response = alice_api.post(f"/api/documents/{document_id}/reingest/")
    assert response.status_code == 202
    assert response.json()["status"] == "queued"
    assert response.json()["error"] == ""


def test_empty_file_is_refused(alice_api):
    response = upload(alice_api, "empty.txt", b"")
    assert response.status_code == 400
    assert "empty" in response.json()["error"]["message"]
    assert not Document.objects.exists()


@override_settings(MAX_UPLOAD_MB=1)
def test_file_over_the_limit_is_refused(alice_api):
    response = upload(alice_api, "big.txt", b"a" * (1024 * 1024 + 1))
    assert response.status_code == 413
    assert "'big.txt' is larger than the 1 MB limit" in response.json()["error"]["message"]
    assert not Document.objects.exists()


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("fake.pdf", b"this is not a pdf at all", "named .pdf but it is not a PDF: its content is text"),
        ("photo.png", files.pdf(["x"]), "named .png but it is not an image: its content is a PDF"),
        ("junk.txt", samples.junk(), "not a supported format"),
        ("junk", samples.junk(), "not a supported format"),
    ],
)
def test_wrong_extension_or_binary_junk_is_refused(alice_api, name, data, message):
    response = upload(alice_api, name, data)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "unsupported_file"
    assert message in response.json()["error"]["message"]
    assert not Document.objects.exists()


def test_missing_file_field_is_a_clear_400(alice_api):
    response = alice_api.post("/api/documents/", {}, format="multipart")
    assert response.status_code == 400
    assert "file" in response.json()["error"]["fields"]


@pytest.mark.parametrize("name", ["../../etc/evil.txt", "..\\..\\windows\\evil.txt", "/etc/evil.txt"])
def test_path_in_filename_is_not_followed(alice_api, media_root, name):
    response = upload(alice_api, name, b"words " + name.encode())
    assert response.status_code == 201
    assert response.json()["title"] == "evil.txt"
    document = Document.objects.get(pk=response.json()["id"])
    assert ".." not in document.file.name
    assert document.file.name.startswith("documents/")
    assert Path(document.file.path).resolve().is_relative_to(media_root.resolve())


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
