"""The admin console: write-only keys, test connection before saving, validation."""

import pytest
from django.contrib.auth.models import User

from rag_app.providers.models import ProviderSetting

pytestmark = pytest.mark.django_db

ADD_URL = "/admin/providers/providersetting/add/"


@pytest.fixture
def operator(client):
    client.force_login(User.objects.create_superuser("olga", password="x"))
    return client


def form(**overrides):
    data = {"role": "chat", "slot": "primary", "kind": "local", "enabled": "on", "model": "", "base_url": ""}
    data.update(overrides)
    return data


def test_test_connection_reports_without_saving(operator):
    response = operator.post(ADD_URL, form(_test_connection="1"), follow=True)
    assert response.status_code == 200
    assert "Connected to local:SmolLM2-135M-Instruct" in response.content.decode()
    assert not ProviderSetting.objects.exists()


def test_test_connection_shows_the_failure(operator):
    data = form(kind="vllm", base_url="http://127.0.0.1:9", timeout_seconds="1", _test_connection="1")
    content = operator.post(ADD_URL, data).content.decode()
    assert "failed the test" in content
    assert "unreachable" in content
    assert not ProviderSetting.objects.exists()


def test_api_key_is_write_only(operator):
    operator.post(ADD_URL, form(kind="vllm", api_key="sk-secret-1"))
    row = ProviderSetting.objects.get()
    assert row.api_key == "sk-secret-1"
    change_url = f"/admin/providers/providersetting/{row.pk}/change/"
    assert "sk-secret-1" not in operator.get(change_url).content.decode()
    assert "sk-secret-1" not in operator.get("/admin/providers/providersetting/").content.decode()
    operator.post(change_url, form(kind="vllm", model="other", api_key=""))
    row.refresh_from_db()
    assert (row.model, row.api_key) == ("other", "sk-secret-1")  # blank keeps the key
    operator.post(change_url, form(kind="vllm", clear_api_key="on"))
    row.refresh_from_db()
    assert row.api_key == ""


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"role": "embeddings", "slot": "fallback"}, "Embeddings never fail over"),
        ({"role": "vision", "kind": "local"}, "no vision model"),
        ({"kind": "vllm", "base_url": "vllm:8000"}, "Start the URL with http"),
    ],
)
def test_invalid_choices_are_refused_with_a_reason(operator, overrides, message):
    content = operator.post(ADD_URL, form(**overrides)).content.decode()
    assert message in content
    assert not ProviderSetting.objects.exists()
