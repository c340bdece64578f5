"""The real vLLM CPU servers (scripts/vllm/serve), started once per test session when needed."""

from __future__ import annotations

import subprocess

import pytest
from django.conf import settings

from rag_app.providers.base import Endpoint
from tests.processes import ROOT

SERVE = str(ROOT / "scripts" / "vllm" / "serve")


def serve(*args: str, timeout: float = 1200) -> None:
    """Run scripts/vllm/serve, failing the test with its output if it fails."""
    result = subprocess.run([SERVE, *args], capture_output=True, text=True, timeout=timeout)
    if result.returncode != 0:
        pytest.fail(f"scripts/vllm/serve {' '.join(args)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")


def chat_endpoint(**changes: object) -> Endpoint:
    """The real chat server, as the settings describe it."""
    fields: dict[str, object] = {"kind": "vllm", "model": settings.VLLM_CHAT_MODEL, "base_url": settings.VLLM_URL}
    fields.update(changes)
    return Endpoint(**fields)  # type: ignore[arg-type]


def embed_endpoint(**changes: object) -> Endpoint:
    """The real embedding server, as the settings describe it."""
    fields: dict[str, object] = {
        "kind": "vllm",
        "model": settings.VLLM_EMBED_MODEL,
        "base_url": settings.VLLM_EMBED_URL,
    }
    fields.update(changes)
    return Endpoint(**fields)  # type: ignore[arg-type]
