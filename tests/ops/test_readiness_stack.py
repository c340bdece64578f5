"""With the real Chroma server and a real Celery worker process, /readyz is ready: the worker beats."""

import time

import pytest

from rag_app.ops.models import WorkerHeartbeat

pytestmark = [pytest.mark.django_db(transaction=True)]


def test_ready_with_chroma_and_a_real_worker(client, worker, settings):
    deadline = time.monotonic() + 60
    while not WorkerHeartbeat.objects.exists() and time.monotonic() < deadline:
        time.sleep(0.5)
    row = WorkerHeartbeat.objects.get()
    assert set(row.queues) == {settings.CELERY_TASK_DEFAULT_QUEUE, settings.CELERY_QA_QUEUE}
    response = client.get("/readyz")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "ready"
