"""Log lines carry the ids of the work they belong to: a request's id (echoed back) and user, a task's ids."""

import io
import json
import logging
import logging.config
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings

from rag_app import logs, task_signals

pytestmark = pytest.mark.django_db


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    """Root's records written as the console handler writes them in production (settings.LOGGING's json)."""
    configurator = logging.config.DictConfigurator(settings.LOGGING)
    formatters: Any = settings.LOGGING["formatters"]
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(configurator.configure_formatter(dict(formatters["json"])))
    handler.addFilter(logs.ContextFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield stream
    finally:
        root.removeHandler(handler)


def records(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_a_request_echoes_its_id_and_every_line_has_it_and_the_user(json_lines, alice, alice_api):
    response = alice_api.get("/api/documents/", headers={"X-Request-ID": "proxy-id-42"})
    assert response.status_code == 200
    assert response["X-Request-ID"] == "proxy-id-42"
    (access,) = [r for r in records(json_lines) if r["logger"] == "rag_app.requests"]
    assert access["request_id"] == "proxy-id-42"
    assert access["user_id"] == alice.pk  # token authentication happens in the view, after the middleware
    assert (access["level"], access["status"], access["path"]) == ("INFO", 200, "/api/documents/")
    assert str(access["time"]).endswith("+00:00")


def test_a_request_without_a_sensible_id_gets_a_new_one(json_lines, client):
    response = client.get("/accounts/login/", headers={"X-Request-ID": 'x" forged=1'})
    assert response["X-Request-ID"] != 'x" forged=1'
    assert len(response["X-Request-ID"]) == 32
    (access,) = [r for r in records(json_lines) if r["logger"] == "rag_app.requests"]
    assert access["request_id"] == response["X-Request-ID"]
    assert "user_id" not in access  # anonymous


def test_a_4xx_is_logged_once_with_the_ids(json_lines, alice_client):
    response = alice_client.get("/documents/999999/", headers={"X-Request-ID": "missing-doc"})
    assert response.status_code == 404
    lines = [r for r in records(json_lines) if "999999" in str(r["message"])]
    assert [(r["level"], r["request_id"]) for r in lines] == [("WARNING", "missing-doc")]


def test_queued_tasks_take_the_request_id_and_user_along(alice):
    headers: dict[str, object] = {}
    with logs.bind(request_id="req-7", user_id=alice.pk):
        task_signals._send_ids(headers=headers)
    assert headers == {"rag_request_id": "req-7", "rag_user_id": alice.pk}


def test_a_task_binds_its_id_and_the_ids_it_was_passed(json_lines):
    from documents.tasks import document_ingest_task
    from rag_app.qa.tasks import batch_question_answer_task

    task: Any = document_ingest_task
    task.push_request(rag_request_id="req-9", rag_user_id=5)  # the headers the worker got
    try:
        task_signals._bind_ids(task_id="t-1", task=document_ingest_task, args=(12,), kwargs={})
        logging.getLogger("documents.ingest").warning("working")
    finally:
        task_signals._unbind_ids(task_id="t-1", task=document_ingest_task)
        document_ingest_task.pop_request()
    task_signals._bind_ids(task_id="t-2", task=batch_question_answer_task, args=(3,), kwargs={"answer_id": 4})
    logging.getLogger("rag_app.qa").warning("answering")
    task_signals._unbind_ids(task_id="t-2", task=batch_question_answer_task)
    logging.getLogger("rag_app.qa").warning("after")
    working, answering, after = records(json_lines)
    assert {k: working[k] for k in ("task_id", "document_id", "request_id", "user_id")} == {
        "task_id": "t-1",
        "document_id": 12,
        "request_id": "req-9",
        "user_id": 5,
    }
    assert (answering["task_id"], answering["batch_id"], answering["answer_id"]) == ("t-2", 3, 4)
    assert "request_id" not in answering
    assert not set(logs.IDS) & set(after)  # a worker thread's next task starts clean


def test_plain_lines_put_the_ids_after_the_message():
    formatter = logs.PlainFormatter("%(levelname)s %(name)s: %(message)s")
    record = logging.LogRecord("documents.ingest", logging.INFO, __file__, 1, "Ingested %s", (3,), None)
    with logs.bind(document_id=3, task_id="abc"):
        logs.ContextFilter().filter(record)
    assert formatter.format(record) == "INFO documents.ingest: Ingested 3 [document_id=3 task_id=abc]"


def test_log_format_must_be_plain_or_json(monkeypatch):
    import importlib

    from django.core.exceptions import ImproperlyConfigured

    import rag_app.settings

    monkeypatch.setenv("LOG_FORMAT", "xml")
    with pytest.raises(ImproperlyConfigured, match="LOG_FORMAT"):
        importlib.reload(rag_app.settings)
    monkeypatch.undo()
    importlib.reload(rag_app.settings)
