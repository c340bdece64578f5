"""Browser pages through Django's test client: login required, upload, ask, escaping."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from documents.models import Document
from rag_app.qa.models import Answer

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


def test_asking_without_javascript_queues_the_question_in_a_new_conversation(client, alice):
    client.force_login(alice)
    response = client.post("/ask/", {"question": "Anything there?"})
    answer = Answer.objects.get(owner=alice)
    assert response.status_code == 302
    assert response["Location"] == f"/ask/c/{answer.conversation_id}/#answer-{answer.pk}"
    page = client.get(f"/ask/c/{answer.conversation_id}/").content.decode()
    assert "Anything there?" in page
    assert "Answering…" in page  # the worker has not answered yet: the page says so and refreshes
    assert 'http-equiv="refresh"' in page


def test_ask_page_refuses_an_empty_question(client, alice):
    client.force_login(alice)
    response = client.post("/ask/", {"question": "  "})
    assert response.status_code == 400
    assert "question" in response.content.decode().lower()
    assert not Answer.objects.exists()


def test_a_conversation_of_another_user_is_not_found(client, alice, bob):
    client.force_login(alice)
    client.post("/ask/", {"question": "Mine?"})
    conversation = Answer.objects.get().conversation_id
    client.force_login(bob)
    assert client.get(f"/ask/c/{conversation}/").status_code == 404


def test_home_requires_login_and_logging_in_lands_there(client, alice):
    assert client.get("/")["Location"].startswith("/accounts/login/")
    response = client.post("/accounts/login/", {"username": "alice", "password": "alice-pass-123"})
    assert response["Location"] == "/"


def test_home_shows_first_steps_then_only_the_users_own_recent_things(client, alice, bob):
    from notes.services import note_create

    client.force_login(alice)
    assert "Get started in three steps" in client.get("/").content.decode()
    client.post("/documents/", {"file": SimpleUploadedFile("mine.txt", b"alice's text")})
    note_create(owner=alice, title="Alice's <b>note</b>", body="x")
    note_create(owner=bob, title="Bob's note", body="y")
    html = client.get("/").content.decode()
    assert "Get started" not in html
    assert "mine.txt" in html
    assert "Alice&#x27;s &lt;b&gt;note&lt;/b&gt;" in html
    assert "Bob's note" not in html


def test_staff_get_the_model_health_badge_and_others_do_not(client, alice, django_user_model):
    client.force_login(alice)
    assert 'id="provider-health"' not in client.get("/").content.decode()
    staff = django_user_model.objects.create_user("olga", password="x", is_staff=True)
    client.force_login(staff)
    html = client.get("/").content.decode()
    assert 'id="provider-health"' in html
    assert "/admin/providers/providerhealth/" in html
