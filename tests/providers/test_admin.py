"""The admin console: write-only keys, test connection before saving, validation."""

import re

import pytest

from rag_app.providers.models import ProviderHealth, ProviderSetting

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
    assert "The connection test failed" in content
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


def messages_of(content):
    """The admin's message list (the form itself repeats the URL in its field)."""
    return re.search(r'<ul class="messagelist">(.*?)</ul>', content, re.S).group(1)


def test_a_failed_test_names_the_endpoint_once(staff_client):
    data = form(kind="vllm", base_url="http://127.0.0.1:9", timeout_seconds="1", _test_connection="1")
    said = messages_of(staff_client.post(ADD_URL, data).content.decode())
    assert said.count("127.0.0.1:9") == 1, said
    assert said.count("vllm:") == 1, said


def test_saving_a_setting_checks_that_role_at_once_so_the_badge_is_current(staff_client):
    data = form(role="vision", kind="ollama", base_url="http://127.0.0.1:9", timeout_seconds="1")
    said = messages_of(staff_client.post(ADD_URL, data, follow=True).content.decode())
    assert "Vision primary (ollama:llava:7b): cannot reach Ollama" in said
    health = ProviderHealth.objects.get(role="vision", slot="primary")
    assert (health.ok, health.base_url) == (False, "http://127.0.0.1:9")
    assert "Models: vision down</summary>" in staff_client.get("/").content.decode()
    assert not ProviderHealth.objects.filter(role="chat").exists()  # only the changed role was tested
    row = ProviderSetting.objects.get()
    staff_client.post(f"/admin/providers/providersetting/{row.pk}/delete/", {"post": "yes"})
    assert not ProviderHealth.objects.filter(role="vision").exists()  # back to not configured


def test_the_settings_list_shows_what_the_environment_gives_each_role(staff_client):
    ProviderSetting.objects.create(role="chat", slot="primary", kind="vllm")
    content = staff_client.get("/admin/providers/providersetting/").content.decode()
    table = re.search(r'<div class="module" id="environment-defaults">(.*?)</div>', content, re.S).group(1)
    cells = [re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", r, re.S) for r in re.findall(r"<tr>(.*?)</tr>", table, re.S)]
    rows = ["|".join(re.sub(r"<[^>]+>", "", c).strip() for c in row) for row in cells]
    assert any("chat|Primary|LLM_PROVIDER|local|SmolLM2" in r and "overridden by" in r for r in rows), rows
    assert any("embeddings|Primary|LLM_PROVIDER|local" in r and "Yes" in r for r in rows), rows
    assert any("vision|Primary|VISION_PROVIDER|none" in r and "Not configured" in r for r in rows), rows


def test_an_ollama_failure_names_its_address_once(staff_client):
    data = form(role="vision", kind="ollama", base_url="http://127.0.0.1:9", timeout_seconds="1", _test_connection="1")
    said = messages_of(staff_client.post(ADD_URL, data).content.decode())
    assert said.count("127.0.0.1:9") == 1, said
