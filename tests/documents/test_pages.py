"""Documents pages through Django's test client: filters, the htmx fragments, delete, re-ingest, files."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from documents import services
from documents.models import Chunk, Document
from tests.documents import samples

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def make(owner, name, data=b"some text", **fields):
    document, _ = services.document_create(owner=owner, upload=SimpleUploadedFile(name, data), enqueue=False)
    Document.objects.filter(pk=document.pk).update(**fields)
    document.refresh_from_db()
    return document


@pytest.mark.parametrize("suffix", ["", "1/", "1/file/", "1/delete/"])
def test_document_pages_require_login(client, suffix):
    response = client.get(f"/documents/{suffix}")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_list_searches_titles_and_filters_by_status(alice_client, alice):
    make(alice, "heron-budget.txt", b"a", status="ready")
    make(alice, "heron-plan.txt", b"b", status="failed", error="Nothing readable.")
    make(alice, "gulls.txt", b"c", status="ready")
    html = alice_client.get("/documents/", {"q": "heron"}).content.decode()
    assert html.count("data-document-id=") == 2
    html = alice_client.get("/documents/", {"q": "heron", "status": "failed"}).content.decode()
    assert html.count("data-document-id=") == 1
    assert "Nothing readable." in html
    assert "Try again" in html
    html = alice_client.get("/documents/", {"status": "bogus"}).content.decode()
    assert html.count("data-document-id=") == 3  # an unknown status filters nothing


def test_the_list_polls_only_while_something_is_busy_and_htmx_gets_the_fragment(alice_client, alice):
    document = make(alice, "a.txt", status="processing", stage="embedding", progress_done=3, progress_total=8)
    page = alice_client.get("/documents/").content.decode()
    assert 'hx-trigger="every 1s"' in page
    assert "Embedding passages" in page
    assert 'max="8" value="3"' in page
    fragment = alice_client.get("/documents/", **HTMX).content.decode()
    assert fragment.lstrip().startswith('<section id="documents"')
    assert "<html" not in fragment
    Document.objects.filter(pk=document.pk).update(status="ready", stage="done")
    assert 'hx-trigger="every 1s"' not in alice_client.get("/documents/", **HTMX).content.decode()


def test_detail_shows_pages_and_keeps_an_images_description_and_ocr_apart(alice_client, alice):
    pdf = make(alice, "a.txt", status="ready", page_count=2)
    Chunk.objects.create(document=pdf, index=0, text="Second page text", page=2, heading="Timeline")
    html = alice_client.get(f"/documents/{pdf.pk}/").content.decode()
    assert f'id="chunk-{pdf.pk}:0"' in html
    assert '<span class="page">Page 2</span>' in html
    image = make(alice, "scan.png", samples.text_image(["Invoice 7"]), status="ready")
    Chunk.objects.create(document=image, index=0, text="Invoice 7", generated_by="tesseract 5.3.0")
    Chunk.objects.create(document=image, index=1, text="A scanned invoice.", generated_by="ollama:llava:7b")
    response = alice_client.get(f"/documents/{image.pk}/")
    assert [c.text for c in response.context["ocr_chunks"]] == ["Invoice 7"]
    assert [c.text for c in response.context["caption_chunks"]] == ["A scanned invoice."]
    assert f'src="/documents/{image.pk}/file/"' in response.content.decode()


def test_file_is_inline_only_for_images_and_never_for_another_user(alice_client, alice, bob, client):
    image = make(alice, "scan.png", samples.text_image(["x"]), status="ready")
    page = make(alice, "page.html", b"<html><body><script>alert(1)</script><p>hi there</p></body></html>")
    response = alice_client.get(f"/documents/{image.pk}/file/")
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("inline")
    assert "sandbox" in response["Content-Security-Policy"]
    response = alice_client.get(f"/documents/{page.pk}/file/")
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment")
    client.force_login(bob)
    assert client.get(f"/documents/{image.pk}/file/").status_code == 404


@pytest.mark.stack
def test_delete_asks_first(alice_client, alice):
    document = make(alice, "a.txt", status="ready")
    confirm = alice_client.get(f"/documents/{document.pk}/delete/")
    assert "Delete this document?" in confirm.content.decode()
    assert Document.objects.filter(pk=document.pk).exists()
    response = alice_client.post(f"/documents/{document.pk}/delete/", follow=True)
    assert "a.txt deleted." in response.content.decode()
    assert not Document.objects.filter(pk=document.pk).exists()


def test_reingest_returns_to_a_local_next_page_only(alice_client, alice, django_capture_on_commit_callbacks):
    document = make(alice, "a.txt", status="failed", error="boom")
    with django_capture_on_commit_callbacks(execute=False):
        response = alice_client.post(f"/documents/{document.pk}/reingest/", {"next": "/documents/?status=failed"})
    assert response["Location"] == "/documents/?status=failed"
    document.refresh_from_db()
    assert (document.status, document.error) == ("queued", "")
    Document.objects.filter(pk=document.pk).update(status="failed")
    with django_capture_on_commit_callbacks(execute=False):
        response = alice_client.post(f"/documents/{document.pk}/reingest/", {"next": "https://evil.example/"})
    assert response["Location"] == f"/documents/{document.pk}/"


def test_another_users_document_is_not_found(client, alice, bob):
    document = make(alice, "a.txt", status="ready")
    client.force_login(bob)
    for url in (f"/documents/{document.pk}/", f"/documents/{document.pk}/delete/"):
        assert client.get(url).status_code == 404
    assert client.post(f"/documents/{document.pk}/delete/").status_code == 404
    assert Document.objects.filter(pk=document.pk).exists()
