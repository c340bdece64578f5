"""Answer actions on the ask page without JavaScript and with htmx: feedback, regenerate, edit and resend,
the scope picker, and the feedback export (management command and admin action) for evaluation."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from documents import services as document_services
from documents.models import Document
from notes import services as note_services
from rag_app.qa.models import Answer
from tests.commands import run_command
from tests.qa.helpers import stored_answer

pytestmark = pytest.mark.django_db


@pytest.fixture
def answer(alice):
    return stored_answer(
        owner=alice,
        question="Where do herons nest?",
        text="In reeds [1].",
        scope={"document_ids": [], "tags": ["birds"]},
        citations=[{"n": 1, "title": "heron.pdf", "page": 2, "document_id": 7, "chunk_id": "7:0", "text": "Reeds."}],
        model="SmolLM2",
        provider="local",
    )


def test_feedback_without_javascript_is_stored_and_shown(alice_client, answer):
    response = alice_client.post(f"/ask/answers/{answer.pk}/feedback/", {"rating": "down", "reason": "wrong page"})
    assert response.status_code == 302
    assert response["Location"].endswith(f"/ask/c/{answer.conversation_id}/#answer-{answer.pk}")
    answer.refresh_from_db()
    assert (answer.rating, answer.feedback_reason) == ("down", "wrong page")
    assert answer.feedback_at is not None
    page = alice_client.get(response["Location"]).content.decode()
    assert "your feedback is saved with the answer" in page
    assert 'value="down" class="secondary small rate rate-down" aria-pressed="true"' in page
    assert 'value="wrong page"' in page


def test_feedback_through_htmx_returns_the_form_marked(alice_client, answer):
    response = alice_client.post(f"/ask/answers/{answer.pk}/feedback/", {"rating": "up"}, HTTP_HX_REQUEST="true")
    content = response.content.decode()
    assert response.status_code == 200
    assert content.lstrip().startswith('<form method="post"')
    assert 'value="up" class="secondary small rate rate-up" aria-pressed="true"' in content
    assert "Thank you: saved." in content
    bad = alice_client.post(f"/ask/answers/{answer.pk}/feedback/", {"rating": "meh"}, HTTP_HX_REQUEST="true")
    assert bad.status_code == 400
    assert "Choose Helpful or Not helpful" in bad.content.decode()


def test_feedback_only_on_ones_own_finished_answers(alice, bob, client, alice_client, answer):
    client.force_login(bob)
    bob_client = client
    assert bob_client.post(f"/ask/answers/{answer.pk}/feedback/", {"rating": "up"}).status_code == 404
    Answer.objects.filter(pk=answer.pk).update(status="streaming")
    alice_client.post(f"/ask/answers/{answer.pk}/feedback/", {"rating": "up"})
    answer.refresh_from_db()
    assert answer.rating == ""


def test_regenerate_asks_the_same_question_in_the_same_conversation_and_scope(alice_client, answer):
    response = alice_client.post(f"/ask/answers/{answer.pk}/regenerate/")
    again = Answer.objects.exclude(pk=answer.pk).get()
    assert (again.question, again.conversation_id, again.scope) == (
        answer.question,
        answer.conversation_id,
        answer.scope,
    )
    assert response["Location"].endswith(f"#answer-{again.pk}")


def test_edit_and_resend_puts_the_question_back_in_the_box(alice_client, answer):
    page = alice_client.get(f"/ask/c/{answer.conversation_id}/?edit={answer.pk}").content.decode()
    assert ">Where do herons nest?</textarea>" in page
    assert f'href="/ask/c/{answer.conversation_id}/?edit={answer.pk}#id_question"' in page


def test_scope_picker_lists_documents_and_tags_and_narrows_the_question(alice, alice_client):
    document, _ = document_services.document_create(
        owner=alice, upload=SimpleUploadedFile("lake.txt", b"Sediment at the lake."), enqueue=False
    )
    Document.objects.filter(pk=document.pk).update(status="ready")
    note_services.note_create(owner=alice, title="Birds", body="Herons.", tags=["birds"])
    page = alice_client.get("/ask/").content.decode()
    assert f'name="documents" value="{document.pk}"' in page
    assert 'name="tags" value="birds"' in page
    assert 'Search in: <span id="scope-summary">everything</span>' in page
    response = alice_client.post("/ask/", {"question": "What is in the lake?", "documents": [document.pk]})
    answer = Answer.objects.get()
    assert answer.scope == {"document_ids": [document.pk], "tags": []}
    follow_up = alice_client.get(response["Location"].split("#")[0]).content.decode()
    assert f'name="documents" value="{document.pk}" checked' in follow_up  # a follow-up keeps the scope
    assert "1 document</span>" in follow_up


def test_a_scope_naming_someone_elses_document_is_refused(alice_client, bob):
    theirs, _ = document_services.document_create(
        owner=bob, upload=SimpleUploadedFile("b.txt", b"Bob's."), enqueue=False
    )
    response = alice_client.post("/ask/", {"question": "q?", "documents": [theirs.pk]})
    assert response.status_code == 400
    assert "no longer there" in response.content.decode()
    assert not Answer.objects.exists()


def test_export_feedback_writes_one_json_line_per_rated_answer(alice, answer, tmp_path):
    stored_answer(owner=alice, question="unrated")
    Answer.objects.filter(pk=answer.pk).update(rating="down", feedback_reason="wrong page")
    out = tmp_path / "feedback.jsonl"
    said = run_command("export_feedback", "--out", str(out))
    assert "Exported 1 rated answer." in said
    (line,) = out.read_text().splitlines()
    record = json.loads(line)
    assert (record["question"], record["answer"], record["rating"], record["reason"]) == (
        "Where do herons nest?",
        "In reeds [1].",
        "down",
        "wrong page",
    )
    assert record["citations"][0]["title"] == "heron.pdf"
    assert record["model"] == "SmolLM2"
    assert "Exported 0 rated answers." in run_command("export_feedback", "--rating", "up", "--out", str(out))


def test_staff_see_ratings_and_export_them_from_the_admin(staff_client, answer):
    Answer.objects.filter(pk=answer.pk).update(rating="up", feedback_reason="spot on")
    listing = staff_client.get("/admin/qa/answer/?rating__exact=up").content.decode()
    assert "spot on" in listing
    response = staff_client.post("/admin/qa/answer/", {"action": "export_feedback", "_selected_action": [answer.pk]})
    assert response["Content-Disposition"] == 'attachment; filename="answer-feedback.jsonl"'
    assert json.loads(response.content.decode())["reason"] == "spot on"
