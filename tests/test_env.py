"""Settings read from the environment refuse bad values, naming the variable."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from rag_app import env

ROOT = Path(__file__).resolve().parent.parent


def test_int_refuses_text_naming_the_variable(monkeypatch):
    monkeypatch.setenv("MAX_UPLOAD_MB", "lots")
    with pytest.raises(ImproperlyConfigured, match="MAX_UPLOAD_MB='lots'"):
        env.env_int("MAX_UPLOAD_MB", 50)


def test_int_refuses_values_below_minimum(monkeypatch):
    monkeypatch.setenv("MAX_UPLOAD_MB", "0")
    with pytest.raises(ImproperlyConfigured, match="at least 1"):
        env.env_int("MAX_UPLOAD_MB", 50, minimum=1)


def test_bool_accepts_common_spellings(monkeypatch):
    monkeypatch.setenv("X_FLAG", "Yes")
    assert env.env_bool("X_FLAG", False) is True
    monkeypatch.setenv("X_FLAG", "off")
    assert env.env_bool("X_FLAG", True) is False
    monkeypatch.setenv("X_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="X_FLAG"):
        env.env_bool("X_FLAG", True)


def test_url_needs_a_scheme(monkeypatch):
    monkeypatch.setenv("VLLM_URL", "localhost:8001")
    with pytest.raises(ImproperlyConfigured, match="VLLM_URL"):
        env.env_url("VLLM_URL", "")
    monkeypatch.setenv("VLLM_URL", "http://localhost:8001/v1")
    assert env.env_url("VLLM_URL", "") == "http://localhost:8001/v1"


def test_database_url_is_parsed(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://app@db:5432/rag")
    config = env.env_database("DATABASE_URL", "")
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert config["NAME"] == "rag"
    monkeypatch.setenv("DATABASE_URL", "nonsense")
    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL"):
        env.env_database("DATABASE_URL", "")


@pytest.mark.parametrize(
    ("name", "value"),
    [("MAX_UPLOAD_MB", "ten"), ("LLM_PROVIDER", "gpt"), ("CHROMA_URL", "chroma:8000"), ("REDIS_URL", "http://x")],
)
def test_bad_value_stops_startup_with_the_variable_named(name, value):
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=dict(os.environ, DJANGO_SETTINGS_MODULE="rag_app.settings", DJANGO_DEBUG="1", **{name: value}),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert name in result.stderr
    assert "ImproperlyConfigured" in result.stderr
