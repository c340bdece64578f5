"""Browser pages through Django's test client: login required, upload, ask, escaping."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from documents.models import Document

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url", ["/documents/", "/ask/"])
def test_pages_require_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_login_page_logs_in(client, alice):
    response = client.post("/accounts/login/", {"username": "alice", "password": "alice-pass-123"})
    assert response.status_code == 302
    assert client.get("/documents/").status_code == 200


def test_upload_form_creates_a_document_and_escapes_its_name(client, alice):
    client.force_login(alice)
    name = "<img src=x onerror=alert(1)>.txt"
    response = client.post("/documents/", {"file": SimpleUploadedFile(name, b"hello")}, follow=True)
    assert response.status_code == 200
    assert Document.objects.filter(owner=alice).count() == 1
    html = response.content.decode()
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;.txt" in html


def test_upload_form_shows_the_error_for_a_bad_file(client, alice):
    client.force_login(alice)
    response = client.post("/documents/", {"file": SimpleUploadedFile("x.pdf", b"not pdf")}, follow=True)
    assert "not a PDF" in response.content.decode()
    assert not Document.objects.exists()


def test_ask_page_shows_the_answer_page(client, alice):
    client.force_login(alice)
    response = client.post("/ask/", {"question": "Anything there?"}, follow=True)
    assert response.status_code == 200, response.content.decode()[-2000:]
    assert "could not find anything" in response.content.decode()


def test_ask_page_refuses_an_empty_question(client, alice):
    client.force_login(alice)
    response = client.post("/ask/", {"question": "  "})
    assert response.status_code == 400
    assert "question" in response.content.decode().lower()
