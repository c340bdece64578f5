"""Through the real Celery worker: every format ingests with its page/slide numbers, and every bad input
fails (or is refused at upload) with a clear reason, leaving the worker up and nothing in Chroma."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from documents.models import Chunk
from rag_app.index import service as index
from tests import files
from tests.documents import samples

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.stack]


def upload(client, name, data):
    response = client.post("/api/documents/", {"file": SimpleUploadedFile(name, data)}, format="multipart")
    assert response.status_code == 201, response.content
    return response.json()["id"]


def chunks(document_id):
    return list(Chunk.objects.filter(document_id=document_id).values_list("page", "heading", "generated_by", "text"))


def test_every_format_is_ingested_with_its_pages_slides_and_headings(worker, alice_api, wait_for_status):
    uploads = {
        "pdf": upload(alice_api, "heron.pdf", files.pdf(["Heron budget is 4 million.", "Heron starts in March."])),
        "scan": upload(alice_api, "scan.pdf", samples.mixed_pdf("Typed first page.", ["Scanned second page"])),
        "docx": upload(
            alice_api,
            "plan.docx",
            samples.docx([("h1", "Scope"), ("p", "We build a bridge."), ("break", ""), ("h1", "Cost"), ("p", "4M.")]),
        ),
        "pptx": upload(alice_api, "deck.pptx", samples.pptx([("Intro", "Welcome all"), ("Results", "Revenue up 20%")])),
        "html": upload(
            alice_api,
            "news.html",
            samples.html("News", "<h2>Otters</h2><p>Otters returned to the river this spring.</p>", ["Home", "Shop"]),
        ),
        "md": upload(alice_api, "notes.md", b"# Garden\n\nTomatoes need sun.\n\n## Pests\n\nSlugs eat lettuce."),
        "latin1": upload(alice_api, "menu.txt", "Crème brûlée, café au lait.".encode("latin-1")),
        "png": upload(alice_api, "sign.png", samples.text_image(["Opening hours 9 to 5"])),
    }
    results = {key: wait_for_status(alice_api, document_id) for key, document_id in uploads.items()}
    for key, body in results.items():
        assert body["status"] == "ready", (key, body["error"])
        assert body["progress"]["stage"] == "done"
    assert [c[0] for c in chunks(uploads["pdf"])] == [1, 2]
    assert [(c[0], bool(c[2])) for c in chunks(uploads["scan"])] == [(1, False), (2, True)]
    assert [(c[0], c[1]) for c in chunks(uploads["docx"])] == [(1, "Scope"), (2, "Cost")]
    assert [(c[0], c[1]) for c in chunks(uploads["pptx"])] == [(1, "Intro"), (2, "Results")]
    assert results["pptx"]["page_count"] == 2
    assert [c[1] for c in chunks(uploads["md"])] == ["Garden"]  # short enough for one passage
    assert "Home" not in chunks(uploads["html"])[0][3]
    assert "Crème brûlée" in chunks(uploads["latin1"])[0][3]
    (ocr,) = chunks(uploads["png"])
    assert ocr[2].startswith("tesseract")
    assert "Opening hours" in ocr[3]
    assert "No image description" in results["png"]["warnings"]  # the worker has no vision model configured

    answer = alice_api.post("/api/ask/", {"question": "How much did revenue grow?"}, format="json").json()
    top = answer["citations"][0]
    assert (top["document_id"], top["page"]) == (uploads["pptx"], 2)
    assert worker.poll() is None


def test_bad_files_fail_with_a_reason_and_leave_nothing_in_the_index(worker, alice, alice_api, wait_for_status):
    failing = {
        "corrupt PDF": (upload(alice_api, "broken.pdf", b"%PDF-1.7\n" + b"\x00junk" * 200), "PDF could not be read"),
        "encrypted PDF": (upload(alice_api, "locked.pdf", files.encrypted_pdf("top secret")), "encrypted"),
        "DOCX zip bomb": (upload(alice_api, "bomb.docx", samples.zip_bomb_docx()), "zip bomb"),
        "image bomb": (upload(alice_api, "bomb.png", samples.png_bomb()), "too large"),
    }
    scripted = upload(
        alice_api,
        "scripted.html",
        samples.html("Page", "<p>Real content about kingfishers.</p>", ["Menu"], script="stealCookies()"),
    )
    good = upload(alice_api, "good.txt", b"The worker is still alive and well.")
    for what, (document_id, reason) in failing.items():
        body = wait_for_status(alice_api, document_id)
        assert body["status"] == "failed", what
        assert reason in body["error"], (what, body["error"])
        assert body["chunk_count"] == 0
        assert index.live(alice.pk).stored_ids(where={"document_id": document_id}) == set(), what
        assert not Chunk.objects.filter(document_id=document_id).exists()
    assert wait_for_status(alice_api, scripted)["status"] == "ready"
    assert all("stealCookies" not in c[3] for c in chunks(scripted))
    assert wait_for_status(alice_api, good)["status"] == "ready"
    assert worker.poll() is None


@override_settings(MAX_UPLOAD_MB=1)
def test_files_refused_at_upload_never_reach_the_worker_or_the_index(worker, alice, alice_api):
    refused = {
        "empty file": ("empty.txt", b"", 400),
        "over the size limit": ("big.txt", b"a" * (1024 * 1024 + 1), 413),
        "wrong extension": ("report.pdf", samples.docx([("p", "x")]), 400),
        "binary junk": ("data.txt", samples.junk(), 400),
    }
    for what, (name, data, status) in refused.items():
        response = alice_api.post("/api/documents/", {"file": SimpleUploadedFile(name, data)}, format="multipart")
        assert response.status_code == status, what
        assert response.json()["error"]["message"], what
    assert alice_api.get("/api/documents/").json()["count"] == 0
    assert index.live(alice.pk).stored_ids(where={"owner_id": alice.pk}) == set()
    assert worker.poll() is None


def test_path_traversal_name_is_stored_safely_and_ingested(worker, alice_api, wait_for_status):
    document_id = upload(alice_api, "../../../../tmp/evil.txt", b"Harmless words in a harmful name.")
    body = wait_for_status(alice_api, document_id)
    assert body["status"] == "ready"
    assert body["title"] == "evil.txt"


def test_delete_and_reingest_through_the_worker(worker, alice_api, wait_for_status, alice):
    document_id = upload(alice_api, "again.txt", b"Kingfishers dive for fish.")
    assert wait_for_status(alice_api, document_id)["status"] == "ready"
    assert alice_api.post(f"/api/documents/{document_id}/reingest/").status_code == 202
    body = wait_for_status(alice_api, document_id)
    assert body["status"] == "ready"
    assert index.live(alice.pk).stored_ids(where={"document_id": document_id}) == {f"{document_id}:0"}
    assert alice_api.delete(f"/api/documents/{document_id}/").status_code == 204
    assert index.live(alice.pk).stored_ids(where={"document_id": document_id}) == set()
