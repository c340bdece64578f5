"""GET /api/health/: each role's provider, state, latency and last error; never a key."""

import pytest

from rag_app.providers.models import ProviderHealth, ProviderSetting
from rag_app.providers.tasks import provider_health_task

pytestmark = pytest.mark.django_db


@pytest.fixture
def unreachable_vision(settings):
    settings.VISION_PROVIDER = "ollama"
    settings.OLLAMA_URL = "http://127.0.0.1:9"
    settings.PROVIDER_TIMEOUT = 2


def test_anonymous_monitors_and_users_get_states_only(client, alice_api, unreachable_vision):
    provider_health_task()
    for body in (client.get("/api/health/").json(), alice_api.get("/api/health/").json()):
        assert body == {
            "status": "degraded",
            "roles": {
                "chat": {"primary": {"state": "ok"}, "fallback": None},
                "embeddings": {"primary": {"state": "ok"}, "fallback": None},
                "vision": {"primary": {"state": "down"}, "fallback": None},
            },
        }


def test_before_any_check_states_are_unknown(staff_api):
    body = staff_api.get("/api/health/").json()
    assert body["roles"]["chat"]["primary"]["kind"] == "local"
    assert body["roles"]["chat"]["primary"]["state"] == "unknown"
    assert body["roles"]["embeddings"]["fallback"] is None


def test_periodic_check_stores_results_and_reports_degraded_when_vision_is_down(staff_api, unreachable_vision):
    assert provider_health_task() == 3
    body = staff_api.get("/api/health/").json()
    chat = body["roles"]["chat"]["primary"]
    assert (chat["state"], chat["details"]["context_length"]) == ("ok", 8192)
    assert body["roles"]["embeddings"]["primary"]["details"]["embedding_dimension"] == 384
    vision = body["roles"]["vision"]["primary"]
    assert vision["state"] == "down"
    assert "127.0.0.1:9" in vision["last_error"]
    assert vision["latency_ms"] is not None
    assert body["status"] == "degraded"


def test_staff_refresh_runs_checks_now_and_users_cannot(alice_api, staff_api, unreachable_vision):
    alice_api.get("/api/health/?refresh=1")
    assert not ProviderHealth.objects.exists()
    staff_api.get("/api/health/?refresh=1")
    assert ProviderHealth.objects.filter(ok=True).count() == 2


def test_api_keys_never_appear(staff_api, settings):
    settings.LLM_PROVIDER = "vllm"
    settings.VLLM_URL = "http://127.0.0.1:9/v1"
    settings.PROVIDER_TIMEOUT = 1
    ProviderSetting.objects.create(role="chat", slot="primary", kind="vllm", api_key="sk-very-secret")
    response = staff_api.get("/api/health/?refresh=1")
    assert "sk-very-secret" not in response.content.decode()
    assert response.status_code == 503  # chat has no healthy provider
    assert response.json()["status"] == "down"


def test_users_see_each_roles_state_but_no_address_model_or_error(alice_api, unreachable_vision):
    provider_health_task()
    response = alice_api.get("/api/health/")
    body = response.json()
    assert body["status"] == "degraded"
    assert body["roles"]["vision"]["primary"] == {"state": "down"}
    assert body["roles"]["chat"]["primary"] == {"state": "ok"}
    assert body["roles"]["embeddings"]["fallback"] is None
    assert "127.0.0.1" not in response.content.decode()
