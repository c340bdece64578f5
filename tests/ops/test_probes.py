"""/healthz says the process is up without touching anything; /readyz checks each dependency."""

from datetime import timedelta

import pytest
from django.utils import timezone

from rag_app.ops import heartbeat
from rag_app.ops.models import WorkerHeartbeat


@pytest.fixture
def both_queues(settings):
    return [settings.CELERY_TASK_DEFAULT_QUEUE, settings.CELERY_QA_QUEUE]


def test_liveness_needs_no_database_and_accepts_any_host(client, settings):
    # No django_db mark: any database access in this test raises.
    settings.SECURE_SSL_REDIRECT = True  # a probe over plain http is not sent to https
    response = client.get("/healthz", HTTP_HOST="10.1.2.3:8000")  # Kubernetes probes send the pod IP
    assert (response.status_code, response.json()) == (200, {"status": "alive"})
    assert response["Cache-Control"] == "no-store"


@pytest.mark.django_db
def test_readiness_is_503_and_names_chroma_when_it_is_unreachable(client, both_queues):
    heartbeat.beat("celery@test", both_queues)
    response = client.get("/readyz", HTTP_HOST="10.1.2.3")
    body = response.json()
    assert response.status_code == 503
    assert body["status"] == "not ready"
    assert {name: c["state"] for name, c in body["checks"].items()} == {
        "database": "ok",
        "broker": "ok",
        "chroma": "down",
        "worker": "ok",
    }
    assert "127.0.0.1:9" not in response.content.decode()  # addresses stay in the log


@pytest.mark.django_db
def test_readiness_reports_an_unreachable_broker(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:9/0"
    checks = client.get("/readyz").json()["checks"]
    assert checks["broker"]["state"] == "down"
    assert checks["database"]["state"] == "ok"


@pytest.mark.django_db
def test_readiness_wants_a_fresh_heartbeat_on_every_queue(client, settings, both_queues):
    heartbeat.beat("celery@ingest", [settings.CELERY_TASK_DEFAULT_QUEUE])
    worker = client.get("/readyz").json()["checks"]["worker"]
    assert worker == {"state": "down", "reason": f"no live worker on queue {settings.CELERY_QA_QUEUE}"}

    heartbeat.beat("celery@qa", [settings.CELERY_QA_QUEUE])
    assert client.get("/readyz").json()["checks"]["worker"] == {"state": "ok"}

    stale = timezone.now() - timedelta(seconds=3 * settings.WORKER_HEARTBEAT_SECONDS + 1)
    WorkerHeartbeat.objects.filter(hostname="celery@qa").update(seen_at=stale)
    assert client.get("/readyz").json()["checks"]["worker"]["state"] == "down"


@pytest.mark.django_db
def test_a_stopping_worker_removes_its_heartbeat(both_queues):
    heartbeat.beat("celery@a", both_queues)
    heartbeat.beat("celery@a", both_queues)  # the same row, renewed
    assert WorkerHeartbeat.objects.get().queues == sorted(both_queues)
    heartbeat.forget("celery@a")
    assert not WorkerHeartbeat.objects.exists()


@pytest.mark.django_db
def test_other_paths_and_methods_go_to_the_app(client):
    assert client.post("/healthz").status_code == 404  # not a probe: the app has no such page
    assert client.get("/healthz/").status_code == 200
    assert client.get("/healthzz").status_code == 404
