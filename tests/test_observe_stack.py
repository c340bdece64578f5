"""Through the real worker: an upload and an answer move the counters on /metrics, every metric the Grafana
dashboard draws is exported, and the worker's log lines name the request, user, document, answer and task."""

import json
import re
import uuid

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from rag_app import vectorstore
from rag_app.qa.models import Answer
from tests.processes import ROOT
from tests.scrape import names, scrape, value

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.stack]

DASHBOARD = ROOT / "deploy" / "grafana" / "rag-app.json"


def dashboard_metrics() -> set[str]:
    panels = json.loads(DASHBOARD.read_text())["panels"]
    exprs = [t["expr"] for p in panels for t in p.get("targets", [])]
    assert len(exprs) >= 15
    return {m for e in exprs for m in re.findall(r"\b((?:rag|django)_[a-z0-9_]+)\b", e)}


def worker_lines(worker) -> list[dict[str, object]]:
    lines = worker.log_path.read_text().splitlines()
    return [json.loads(line) for line in lines if line.startswith("{")]


def test_an_upload_and_an_answer_move_the_counters_and_their_lines_carry_the_ids(
    worker, alice, alice_api, staff_client, wait_for_status, monkeypatch
):
    # A scrape counts the first MAX_COUNTED collections by name; the session's Chroma server holds one per owner
    # of every earlier test, and hers may sort past the first 100.
    monkeypatch.setattr(vectorstore, "MAX_COUNTED", 100_000)
    before = scrape(staff_client)
    upload_id, ask_id = f"upload-{uuid.uuid4().hex[:8]}", f"ask-{uuid.uuid4().hex[:8]}"
    text = b"The Eiffel Tower is 330 metres tall and stands in Paris."
    response = alice_api.post(
        "/api/documents/",
        {"file": SimpleUploadedFile("tower.txt", text)},
        format="multipart",
        headers={"X-Request-ID": upload_id},
    )
    assert response.status_code == 201, response.content
    assert response["X-Request-ID"] == upload_id
    document_id = response.json()["id"]
    assert wait_for_status(alice_api, document_id)["status"] == "ready"
    answer = alice_api.post(
        "/api/ask/", {"question": "How tall is the Eiffel Tower?"}, format="json", headers={"X-Request-ID": ask_id}
    ).json()
    assert answer["status"] == "done", answer
    after = scrape(staff_client)

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert moved("rag_ingest_documents_total", outcome="ready") >= 1
    assert moved("rag_ingest_stage_seconds_count", stage="embedding") >= 1
    assert moved("rag_ingest_stage_seconds_count", stage="storing") >= 1
    assert moved("rag_chunks_indexed_total", source="document") >= 1
    path = Answer.objects.get(pk=answer["id"]).checks["verification"]["path"]  # the label is what the row records
    assert moved("rag_answers_total", status="done", path=path) >= 1
    assert moved("rag_chat_first_token_seconds_count", provider="local") >= 1
    assert moved("rag_chat_generation_seconds_count", provider="local") >= 1
    cached = Answer.objects.get(pk=answer["id"]).checks["retrieval_spans_ms"]["vector_cached"]
    # the passage, and the question unless this long-lived worker had its vector already (issue 19's cache)
    assert moved("rag_provider_calls_total", role="embeddings", outcome="ok") >= (1 if cached else 2)
    assert moved("rag_celery_tasks_total", task="documents.tasks.document_ingest_task", outcome="success") >= 1
    assert moved("rag_celery_tasks_total", task="rag_app.qa.tasks.answer_generate_task", outcome="success") >= 1
    assert moved("django_http_requests_total_by_method_total", method="POST") >= 2
    assert moved("django_db_execute_total") >= 1
    assert value(after, "rag_documents", status="ready") >= 1
    assert value(after, "rag_vectors", collection=f"{settings.CHROMA_COLLECTION}_u{alice.pk}") >= 1  # her own
    assert value(after, "rag_circuit_breaker_state", provider="local") == 0  # closed
    assert ("rag_celery_queue_length", frozenset({("queue", settings.CELERY_QA_QUEUE)})) in after

    missing = dashboard_metrics() - names(after)
    assert not missing, f"the dashboard draws metrics nobody exports: {sorted(missing)}"

    lines = worker_lines(worker)
    (ingested,) = [r for r in lines if r.get("document_id") == document_id and "Ingested" in str(r["message"])]
    assert (ingested["request_id"], ingested["user_id"]) == (upload_id, alice.pk)
    assert ingested["task_id"]
    (answered,) = [r for r in lines if r.get("answer_id") == answer["id"] and r["logger"] == "rag_app.qa.pipeline"]
    assert (answered["request_id"], answered["user_id"]) == (ask_id, alice.pk)
    assert answered["task_id"]
    assert answered["task_id"] != ingested["task_id"]
