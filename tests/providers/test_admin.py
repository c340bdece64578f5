"""The admin console: write-only keys, test connection before saving, validation."""

import pytest

from rag_app.providers.models import ProviderSetting

pytestmark = pytest.mark.django_db

ADD_URL = "/admin/providers/providersetting/add/"


def form(**overrides):
    data = {"role": "chat", "slot": "primary", "kind": "local", "enabled": "on", "model": "", "base_url": ""}
    data.update(overrides)
    return data


def test_test_connection_reports_without_saving(staff_client):
    response = staff_client.post(ADD_URL, form(_test_connection="1"), follow=True)
    assert response.status_code == 200
    assert "Connected to local:SmolLM2-135M-Instruct" in response.content.decode()
    assert not ProviderSetting.objects.exists()


def test_test_connection_shows_the_failure(staff_client):
    data = form(kind="vllm", base_url="http://127.0.0.1:9", timeout_seconds="1", _test_connection="1")
    content = staff_client.post(ADD_URL, data).content.decode()
    assert "failed the test" in content
    assert "unreachable" in content
    assert not ProviderSetting.objects.exists()


def test_api_key_is_write_only(staff_client):
    staff_client.post(ADD_URL, form(kind="vllm", api_key="sk-secret-1"))
    row = ProviderSetting.objects.get()
    assert row.api_key == "sk-secret-1"
    change_url = f"/admin/providers/providersetting/{row.pk}/change/"
    assert "sk-secret-1" not in staff_client.get(change_url).content.decode()
    assert "sk-secret-1" not in staff_client.get("/admin/providers/providersetting/").content.decode()
    staff_client.post(change_url, form(kind="vllm", model="other", api_key=""))
    row.refresh_from_db()
    assert (row.model, row.api_key) == ("other", "sk-secret-1")  # blank keeps the key
    staff_client.post(change_url, form(kind="vllm", clear_api_key="on"))
    row.refresh_from_db()
    assert row.api_key == ""


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"role": "embeddings", "slot": "fallback"}, "Embeddings never fail over"),
        ({"role": "vision", "kind": "local"}, "The local provider cannot serve the vision role; choose vllm, ollama."),
        ({"kind": "vllm", "base_url": "vllm:8000"}, "Start the URL with http"),
    ],
)
def test_invalid_choices_are_refused_with_a_reason(staff_client, overrides, message):
    content = staff_client.post(ADD_URL, form(**overrides)).content.decode()
    assert message in content
    assert not ProviderSetting.objects.exists()
