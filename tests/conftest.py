"""Shared fixtures: personas, the real Chroma server, the real Celery worker process, files."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection
from pytest_django.fixtures import Settings
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.doubles.ollama import OllamaDouble
from tests.processes import ROOT, free_port, stop, wait_for_line, wait_http

VENV_BIN = Path(sys.executable).parent


@pytest.fixture(scope="session", autouse=True)
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Chroma server (the one the chromadb wheel ships), shared by tests and the worker."""
    path = tmp_path_factory.mktemp("chroma")
    port = free_port()
    log = path / "server.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [str(VENV_BIN / "chroma"), "run", "--path", str(path / "data"), "--host", "127.0.0.1", "--port", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    wait_http(f"{url}/api/v2/heartbeat", proc, log, timeout=60)
    settings.CHROMA_URL = url
    yield url
    stop(proc)


@pytest.fixture(scope="session")
def media_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("media")
    settings.MEDIA_ROOT = root
    return root


@pytest.fixture(autouse=True)
def _media(media_root: Path) -> None:
    """Uploaded files go to the session's media folder (shared with the worker)."""


@pytest.fixture(scope="session")
def celery_worker_process(
    django_db_setup: None,
    django_db_blocker: object,
    chroma_server: str,
    media_root: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[subprocess.Popen[bytes]]:
    """A real `celery worker` process on Redis, using the test database, Chroma and media folder."""
    db = connection.settings_dict
    log = tmp_path_factory.mktemp("worker") / "worker.log"
    env = dict(
        os.environ,
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        CHROMA_URL=chroma_server,
        MEDIA_ROOT=str(media_root),
        DJANGO_SETTINGS_MODULE="tests.settings",
    )
    # The browser tests set this while Playwright runs on the main thread; the worker must keep Django's check.
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    queues = f"{settings.CELERY_TASK_DEFAULT_QUEUE},{settings.CELERY_QA_QUEUE}"
    cmd = [
        str(VENV_BIN / "celery"),
        "-A",
        "rag_app",
        "worker",
        "-Q",
        queues,
        "--pool=threads",
        "--concurrency=4",
        "--loglevel=INFO",
    ]
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    wait_for_line("ready.", proc, log, timeout=120)
    proc.log_path = log  # type: ignore[attr-defined]
    yield proc
    stop(proc)


@pytest.fixture
def worker(celery_worker_process: subprocess.Popen[bytes]) -> subprocess.Popen[bytes]:
    """The worker process, checked alive before and after the test."""
    assert celery_worker_process.poll() is None, "the Celery worker died"
    return celery_worker_process


@pytest.fixture
def alice(db: None) -> User:
    return User.objects.create_user("alice", password="alice-pass-123")


@pytest.fixture
def bob(db: None) -> User:
    return User.objects.create_user("bob", password="bob-pass-123")


def _api_for(user: User) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def alice_api(alice: User) -> APIClient:
    return _api_for(alice)


@pytest.fixture
def bob_api(bob: User) -> APIClient:
    return _api_for(bob)


@pytest.fixture
def wait_for_status() -> Callable[[APIClient, int], dict[str, object]]:
    """Poll GET /api/documents/{id}/ until the document is ready or failed."""

    def wait(client: APIClient, document_id: int, timeout: float = 180) -> dict[str, object]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            body = client.get(f"/api/documents/{document_id}/").json()
            if body["status"] in ("ready", "failed"):
                return body  # type: ignore[no-any-return]
            time.sleep(0.3)
        pytest.fail(f"document {document_id} still {body['status']} after {timeout} s")

    return wait


@pytest.fixture(scope="session")
def vllm_servers() -> None:
    """Both real vLLM CPU servers answering (scripts/test starts them early; this waits or starts them)."""
    from tests.providers.vllm import serve

    serve("start", "all")
    serve("wait", "1200", "all")


@pytest.fixture
def own_collection(settings: Settings) -> Iterator[None]:
    """A Chroma collection of this test's own: other tests leave vectors whose rows were rolled back."""
    from rag_app import vectorstore

    settings.CHROMA_COLLECTION = f"own-{uuid.uuid4().hex[:12]}"
    vectorstore.reset()
    yield
    vectorstore.reset()


@pytest.fixture
def ollama_double() -> Iterator[OllamaDouble]:
    """A fresh Ollama double on a free loopback port with the default models; stopped afterwards.

    A double, because no Ollama binary exists in any registry this machine reaches. Configure it in
    the test: `.models`, `.embed_fn`, `.chat_fn`, `.fail_next(...)`, `.delay`, `.stop()` / `.start()`.
    """
    with OllamaDouble() as double:
        yield double
    assert not double.errors, f"the Ollama test double itself failed: {double.errors}"
