"""A cited PDF page is shown as printed: rendered to PNG by pypdfium2 on first request, then cached."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from documents import services
from documents.models import Chunk, Document
from documents.page_images import _cache_path
from tests import files

pytestmark = pytest.mark.django_db


@pytest.fixture
def report(alice):
    document, _ = services.document_create(
        owner=alice, upload=SimpleUploadedFile("report.pdf", files.pdf(["First page.", "Second page."])), enqueue=False
    )
    Document.objects.filter(pk=document.pk).update(status="ready", page_count=2)
    Chunk.objects.create(document=document, index=0, text="Second page.", page=2)
    document.refresh_from_db()
    return document


def test_a_pdf_page_renders_as_a_png_once(alice_client, report):
    response = alice_client.get(f"/documents/{report.pk}/pages/2.png")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response.content.startswith(b"\x89PNG")
    assert _cache_path(report, 2).read_bytes() == response.content  # the next view reads the file
    assert alice_client.get(f"/documents/{report.pk}/pages/3.png").status_code == 404


def test_the_page_view_shows_the_image_and_that_pages_passages(alice_client, report):
    page = alice_client.get(f"/documents/{report.pk}/pages/2/").content.decode()
    assert f'src="/documents/{report.pk}/pages/2.png"' in page
    assert "Second page." in page
    assert "&larr; Page 1" in page
    detail = alice_client.get(f"/documents/{report.pk}/").content.decode()
    assert f'href="/documents/{report.pk}/pages/2/">Page 2' in detail


def test_other_users_and_other_kinds_get_nothing(report, alice, bob, client):
    client.force_login(bob)
    assert client.get(f"/documents/{report.pk}/pages/1.png").status_code == 404
    text, _ = services.document_create(owner=bob, upload=SimpleUploadedFile("a.txt", b"Plain text."), enqueue=False)
    assert client.get(f"/documents/{text.pk}/pages/1.png").status_code == 404
