"""Reading a vLLM server's own count of requests in flight from its /metrics page."""

import httpx
import pytest

from rag_app.evals.bench.server_load import LoadSampler, metrics_url, read_gauges

PAGE = """# HELP vllm:num_requests_running Number of requests in model execution batches.
# TYPE vllm:num_requests_running gauge
vllm:num_requests_running{engine="0",model_name="smollm2"} 12.0
vllm:num_requests_running{engine="1",model_name="smollm2"} 3.0
vllm:num_requests_waiting{engine="0",model_name="smollm2"} 4.0
vllm:num_requests_waiting_by_reason{engine="0",model_name="smollm2",reason="capacity"} 9.0
"""


def test_gauges_are_summed_over_engines_and_lookalikes_ignored():
    assert read_gauges(PAGE) == {"running": 15.0, "waiting": 4.0}


@pytest.mark.parametrize("base", ["http://h:8001/v1", "http://h:8001/v1/", "http://h:8001"])
def test_metrics_live_at_the_server_root(base):
    assert metrics_url(base) == "http://h:8001/metrics"


@pytest.mark.usefixtures("vllm_servers")
def test_the_sampler_sees_a_request_the_real_server_is_running(settings):
    with LoadSampler(settings.VLLM_URL, interval=0.02) as load:
        httpx.post(
            f"{settings.VLLM_URL}/chat/completions",
            json={
                "model": settings.VLLM_CHAT_MODEL,
                "messages": [{"role": "user", "content": "Count from one to forty in words."}],
                "max_tokens": 48,
                "ignore_eos": True,
            },
            timeout=120,
        ).raise_for_status()
    summary = load.summary()
    assert summary["server_running_peak"] >= 1
    assert 0 < summary["server_running_mean"] <= summary["server_running_peak"]


def test_a_disabled_sampler_reports_nothing():
    with LoadSampler("http://127.0.0.1:9/v1", enabled=False) as load:
        pass
    assert load.summary() == {"server_running_peak": None, "server_running_mean": None, "server_waiting_peak": None}
