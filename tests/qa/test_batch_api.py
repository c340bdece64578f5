"""POST /api/ask/batch/ through the real Celery worker: JSON and CSV, progress, downloads, limits, privacy."""

import csv
import io
import itertools
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from rag_app.qa.batch_files import CSV_COLUMNS
from rag_app.qa.models import Answer, BatchQuestion, Conversation, QuestionBatch
from tests.qa.conftest import ready_document

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.stack]

TOWER = "The Eiffel Tower is 330 metres tall and stands in Paris."


def wait_until_finished(client, batch_id, timeout=300):
    """Poll the batch until the worker has finished it (the bound only stops a hung test)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = client.get(f"/api/ask/batch/{batch_id}/").json()
        if body["status"] in ("done", "failed"):
            return body
        time.sleep(0.5)
    pytest.fail(f"batch {batch_id} still {body['status']} ({body['done']}/{body['total']}) after {timeout} s")


def csv_upload(text, name="questions.csv"):
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def test_json_batch_is_answered_one_after_another_and_downloadable(worker, alice, alice_api, settings):
    settings.BATCH_CONCURRENCY = 1  # each finished question sends the next: the window is one
    document = ready_document(alice, "tower.txt", TOWER)
    questions = ["How tall is the Eiffel Tower?", "How do I bake sourdough bread?", "Where is the Eiffel Tower?"]
    response = alice_api.post("/api/ask/batch/", {"questions": questions, "name": "Tower facts"}, format="json")
    assert response.status_code == 202, response.json()
    created = response.json()
    assert (created["name"], created["status"], created["total"], created["done"]) == ("Tower facts", "queued", 3, 0)
    assert created["results"]["csv"] == f"/api/ask/batch/{created['id']}/results.csv"

    finished = wait_until_finished(alice_api, created["id"])
    assert (finished["status"], finished["done"], finished["failed"], finished["total"]) == ("done", 3, 0, 3)
    assert finished["finished_at"] is not None

    items = list(BatchQuestion.objects.filter(batch_id=created["id"]).select_related("answer").order_by("position"))
    for before, after in itertools.pairwise(items):
        assert after.started_at >= before.answer.finished_at  # never two of this batch at once

    download = alice_api.get(created["results"]["json"])
    assert download.status_code == 200
    assert download["Content-Disposition"] == f'attachment; filename="batch-{created["id"]}-results.json"'
    rows = download.json()["results"]
    assert [r["question"] for r in rows] == questions
    assert [r["position"] for r in rows] == [1, 2, 3]
    tall, bread, where = rows
    assert tall["status"] == "done"
    assert tall["sources"][0]["document_id"] == document.pk
    assert tall["sources"][0]["title"] == "tower.txt"
    assert (tall["provider"], tall["model"]) == ("local", "SmolLM2-135M-Instruct")
    assert 0 <= tall["first_token_ms"] <= tall["total_ms"]
    assert bread["sources"] == []
    assert "could not find" in bread["answer"]
    assert where["sources"]
    # the questions are ordinary answers, each in its own conversation
    answers = Answer.objects.filter(pk__in=[r["answer_id"] for r in rows])
    assert len({a.conversation_id for a in answers}) == 3
    assert alice_api.get(f"/api/answers/{tall['answer_id']}/provenance/").json()["retrieval"]

    table = list(csv.DictReader(io.StringIO(alice_api.get(created["results"]["csv"]).content.decode())))
    assert list(table[0]) == CSV_COLUMNS
    assert [r["question"] for r in table] == questions
    assert "tower.txt" in table[0]["cited_sources"] + table[0]["other_sources"]
    assert f"(document {document.pk})" in table[0]["cited_sources"] + table[0]["other_sources"]
    assert table[1]["cited_sources"] == table[1]["other_sources"] == ""


def test_csv_upload_is_answered_within_the_chosen_documents(worker, alice, alice_api):
    tower = ready_document(alice, "tower.txt", TOWER)
    ready_document(alice, "heron.txt", "Project Heron starts in March and ends in November.")
    upload = csv_upload('id,question\n1,"When does Project Heron start, and how tall is the tower?"\n2,How tall?\n')
    response = alice_api.post("/api/ask/batch/", {"file": upload, "documents": [tower.pk]}, format="multipart")
    assert response.status_code == 202, response.json()
    created = response.json()
    assert created["name"] == "questions.csv"
    assert created["scope"] == {"document_ids": [tower.pk], "tags": []}
    assert wait_until_finished(alice_api, created["id"])["status"] == "done"
    rows = alice_api.get(created["results"]["json"]).json()["results"]
    assert rows[0]["question"] == "When does Project Heron start, and how tall is the tower?"
    assert {s["document_id"] for r in rows for s in r["sources"]} == {tower.pk}  # heron.txt was out of scope


def test_batches_are_private(worker, alice, alice_api, bob_api):
    created = alice_api.post("/api/ask/batch/", {"questions": ["Anything?"]}, format="json").json()
    wait_until_finished(alice_api, created["id"])
    assert [b["id"] for b in alice_api.get("/api/ask/batch/").json()["results"]] == [created["id"]]
    assert bob_api.get("/api/ask/batch/").json()["results"] == []
    for path in ("", "results.csv", "results.json"):
        assert bob_api.get(f"/api/ask/batch/{created['id']}/{path}").status_code == 404
    assert bob_api.delete(f"/api/ask/batch/{created['id']}/").status_code == 404
    assert QuestionBatch.objects.filter(pk=created["id"]).exists()

    assert alice_api.delete(f"/api/ask/batch/{created['id']}/").status_code == 204
    assert alice_api.get(f"/api/ask/batch/{created['id']}/").status_code == 404
    assert not Conversation.objects.exists()


@pytest.mark.parametrize(
    ("body", "code", "message"),
    [
        ({}, "no_questions", 'Send either "questions"'),
        ({"questions": ["a?"], "file": "x"}, "invalid", "Invalid input."),
        ({"questions": ["Fine?", ""]}, "empty_question", "Question 2 is empty."),
        ({"questions": ["q?"] * 4}, "too_many_questions", "at most 3 questions"),
    ],
)
def test_bad_json_batches_are_refused(alice_api, settings, body, code, message):
    settings.BATCH_MAX_QUESTIONS = 3
    response = alice_api.post("/api/ask/batch/", body, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == code
    assert message in response.json()["error"]["message"]
    assert not QuestionBatch.objects.exists()


def test_bad_csv_uploads_are_refused_with_a_clear_message(alice_api, settings):
    response = alice_api.post("/api/ask/batch/", {"file": csv_upload("title\nx\n")}, format="multipart")
    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "bad_csv",
        "message": "The CSV file has no 'question' column: its first row must name the columns (found 'title').",
    }
    settings.BATCH_MAX_QUESTIONS = 2
    too_many = csv_upload("question\n" + "".join(f"Question {i}?\n" for i in range(3)))
    response = alice_api.post("/api/ask/batch/", {"file": too_many}, format="multipart")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "too_many_questions"
    settings.MAX_UPLOAD_MB = 1
    big = csv_upload("question\n" + "Why?\n" * 300_000)
    response = alice_api.post("/api/ask/batch/", {"file": big}, format="multipart")
    assert response.status_code == 413
    assert not QuestionBatch.objects.exists()
