"""GET /metrics: who may read it, and the figures read at scrape time (documents, queues, breakers)."""

import uuid

import pytest
import redis

from documents.models import Document
from rag_app.providers import registry
from rag_app.providers.base import Endpoint, ProviderError
from rag_app.providers.config import RoleConfig
from tests.scrape import scrape, value

pytestmark = pytest.mark.django_db


def test_anonymous_users_and_non_staff_are_refused(client, alice_client):
    assert client.get("/metrics").status_code == 401
    response = alice_client.get("/metrics")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert b"rag_" not in response.content


def test_staff_sessions_read_every_figure(staff_client):
    samples = scrape(staff_client)
    assert value(samples, "django_http_requests_total_by_method_total", method="GET") >= 1
    assert ("rag_ingest_documents_total", frozenset({("outcome", "ready")})) in samples  # known series start at 0
    assert value(samples, "rag_scrape_collector_up", collector="documents") == 1


def test_a_bearer_token_reads_them_and_a_wrong_one_does_not(client, settings):
    settings.METRICS_TOKEN = "prometheus-" + uuid.uuid4().hex
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    samples = scrape(client, Authorization=f"Bearer {settings.METRICS_TOKEN}")
    assert value(samples, "rag_scrape_collector_up", collector="queues") == 1


def test_no_token_configured_means_no_bearer_gets_in(client, settings):
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics", headers={"Authorization": "Bearer "}).status_code == 401


def test_documents_by_status_are_counted_from_the_database(staff_client, alice):
    for status in ("ready", "ready", "failed"):
        Document.objects.create(owner=alice, title="t", original_name="t.txt", kind="text", size=1, status=status)
    samples = scrape(staff_client)
    assert value(samples, "rag_documents", status="ready") == 2
    assert value(samples, "rag_documents", status="failed") == 1
    assert value(samples, "rag_documents", status="processing") == 0


def test_queue_lengths_are_read_from_redis(staff_client, settings):
    queue = f"rag-metrics-test-{uuid.uuid4().hex[:8]}"
    settings.CELERY_TASK_DEFAULT_QUEUE = queue
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    try:
        broker.rpush(queue, "a", "b")
        broker.rpush(f"{queue}\x06\x163", "c")  # a priority-3 message waits in its own list
        assert value(scrape(staff_client), "rag_celery_queue_length", queue=queue) == 3
    finally:
        broker.delete(queue, f"{queue}\x06\x163")
        broker.close()


def test_an_unreachable_chroma_marks_its_collector_down_and_the_rest_still_answers(staff_client):
    samples = scrape(staff_client)  # the fast tier's Chroma address leads nowhere
    assert value(samples, "rag_scrape_collector_up", collector="vectors") == 0
    assert value(samples, "rag_scrape_collector_up", collector="documents") == 1


def test_a_breaker_that_opens_shows_as_open(staff_client, settings):
    settings.CIRCUIT_FAILURES = 2
    settings.PROVIDER_RETRIES = 0  # one attempt per call: no backoff sleeps
    endpoint = Endpoint(kind="vllm", model=f"m-{uuid.uuid4().hex[:6]}", base_url="http://127.0.0.1:9/v1")

    def down(_: Endpoint) -> None:
        raise ProviderError("down", permanent=False)

    for _ in range(2):
        with pytest.raises(ProviderError):
            registry._with_failover("chat", RoleConfig(role="chat", primary=endpoint, fallback=None), down)
    assert value(scrape(staff_client), "rag_circuit_breaker_state", model=endpoint.model) == 2


def test_a_worker_on_its_own_host_serves_its_figures_on_a_port_of_their_own():
    import httpx

    from rag_app import metrics
    from tests.processes import free_port

    port = free_port()
    server, _thread = metrics.serve_process_metrics(port, addr="127.0.0.1")
    try:
        metrics.INGESTED.labels("ready").inc(0)
        body = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
    finally:
        server.shutdown()
        server.server_close()
    assert "rag_ingest_documents_total" in body
    assert "rag_scrape_collector_up" not in body  # scrape-time figures (documents, queues) are the web's alone


def test_the_grafana_dashboard_is_importable_json_whose_panels_all_query_prometheus():
    import json

    from tests.processes import ROOT

    dashboard = json.loads((ROOT / "deploy" / "grafana" / "rag-app.json").read_text())
    panels = [p for p in dashboard["panels"] if p["type"] != "row"]
    assert len({p["id"] for p in dashboard["panels"]}) == len(dashboard["panels"])
    assert {v["name"] for v in dashboard["templating"]["list"]} == {"datasource"}
    for panel in panels:
        assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}, panel["title"]
        assert panel["targets"], panel["title"]
        assert all(t["expr"].strip() for t in panel["targets"]), panel["title"]
    # every metric it draws is exported: tests/test_observe_stack.py, after real work moved them
