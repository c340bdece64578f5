"""scripts/deploy/models_ready.py (compose's models-ready one-shot) waits on the app's own provider checks."""

import os
import subprocess
import sys

import pytest
from django.db import connection

from rag_app.providers.models import ProviderHealth
from tests.processes import ROOT

pytestmark = pytest.mark.django_db(transaction=True)


def run(timeout: str, **env: str) -> subprocess.CompletedProcess[str]:
    db = connection.settings_dict
    return subprocess.run(
        [sys.executable, "scripts/deploy/models_ready.py", "--timeout", timeout, "--interval", "1"],
        cwd=ROOT,
        env=dict(
            os.environ,
            DJANGO_SETTINGS_MODULE="tests.settings",
            DATABASE_URL=f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
            **env,
        ),
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_gives_up_naming_the_roles_whose_server_does_not_answer():
    result = run(
        "2", LLM_PROVIDER="ollama", VISION_PROVIDER="ollama", OLLAMA_URL="http://127.0.0.1:9", PROVIDER_TIMEOUT="1"
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "gave up after 2 s" in result.stderr
    for role in ("chat: ollama llama3.1:8b", "embeddings: ollama all-minilm", "vision: ollama llava:7b"):
        assert f"{role} at http://127.0.0.1:9" in result.stderr
    assert result.stdout.count("not yet") >= 3  # it tried, printed, and tried again until the deadline
    assert ProviderHealth.objects.filter(ok=False).count() == 3  # /api/health/ has them from the start


def test_exits_0_once_every_provider_answers():
    result = run("60", LLM_PROVIDER="local", VISION_PROVIDER="none")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "every provider answers" in result.stdout
    assert set(ProviderHealth.objects.filter(ok=True).values_list("role", flat=True)) == {"chat", "embeddings"}
