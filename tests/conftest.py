"""Shared fixtures: personas, the real Chroma server, the real Celery worker process, files; the test tiers.

Tiers (markers): a test is `stack` when it needs the Chroma server (and maybe the worker), `vllm` when it
needs the vLLM CPU servers, `browser` when it drives Chromium; the rest is the fast tier. A test joins a
tier by marking itself or by using the fixture (chroma_server, worker, vllm_servers), and the tiers run
fast first. Outside the stack tier Chroma's address leads nowhere, so a test that reaches the index
without asking for it fails at once instead of silently paying for a server.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.cache import caches
from django.db import connection
from django.test import Client
from pytest_django.fixtures import Settings
from rest_framework.test import APIClient

from rag_app.accounts.services import token_create
from rag_app.index import fingerprint, generations
from rag_app.index import service as index
from rag_app.providers import breaker, config
from rag_app.qa.retrieval import query_vectors
from tests.doubles.ollama import OllamaDouble
from tests.processes import ROOT, free_port, stop, wait_for_line, wait_http

VENV_BIN = Path(sys.executable).parent


TIERS = ("stack", "vllm", "browser")
_LAST_TEST = ROOT / "var" / "pytest-last-test"  # scripts/test names it when pytest dies without a report


def pytest_runtest_logstart(nodeid: str, location: tuple[str, int | None, str]) -> None:
    """Note the test starting, so a crash of the interpreter itself (a segfault in an extension) names it."""
    _LAST_TEST.parent.mkdir(exist_ok=True)
    _LAST_TEST.write_text(nodeid + "\n")


_TIER_FIXTURES = {"chroma_server": "stack", "celery_worker_process": "stack", "vllm_servers": "vllm"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark each test with the tiers its fixtures imply, then run the fast tier first, the browser last."""
    for item in items:
        fixtures = getattr(item, "fixturenames", ())
        for fixture, tier in _TIER_FIXTURES.items():
            if fixture in fixtures and not item.get_closest_marker(tier):
                item.add_marker(tier)
        if "tests/browser/" in item.nodeid and not item.get_closest_marker("browser"):
            item.add_marker("browser")

    def rank(item: pytest.Item) -> int:
        marked = [i for i, tier in enumerate(TIERS, start=1) if item.get_closest_marker(tier)]
        return max(marked, default=0)

    items.sort(key=rank)  # stable: file order within a tier


@pytest.fixture(autouse=True)
def _fresh_provider_state() -> Iterator[None]:
    """Every test starts with closed breakers, no cached provider configuration, generations, fingerprint check
    or question vector."""
    breaker.reset_all()
    config.invalidate()
    fingerprint.forget()
    generations.invalidate()
    query_vectors.clear()
    yield
    breaker.reset_all()
    config.invalidate()
    fingerprint.forget()
    generations.invalidate()


@pytest.fixture(autouse=True)
def _fresh_throttles() -> None:
    """Every test starts with no request counted against the API's limits (rag_app/throttles.py)."""
    caches["throttle"].clear()


@pytest.fixture(autouse=True)
def _stack_tier_has_chroma(request: pytest.FixtureRequest) -> None:
    """A test marked `stack` (or vllm, or browser: they run on the whole stack) gets the Chroma server."""
    if any(request.node.get_closest_marker(tier) for tier in TIERS):
        request.getfixturevalue("chroma_server")


def _set_for_the_session(name: str, value: object) -> None:
    """Set a setting below any override_settings in force (pytest-django's `settings` fixture is one).

    The Chroma server starts when the first test of a tier needs it, possibly while that test has
    settings overridden; a plain assignment would land in the override and vanish when it ends.
    """
    target: Any = getattr(settings, "_wrapped")  # noqa: B009 - the private holder has no public name
    while hasattr(target, "default_settings"):
        target = target.default_settings
    setattr(target, name, value)
    setattr(settings, name, value)


@pytest.fixture(scope="session")
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
    wait_http(f"{url}/api/v2/heartbeat", proc, log, timeout=300)  # a loaded shared machine starts it slowly
    _set_for_the_session("CHROMA_URL", url)
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


@pytest.fixture
def staff(db: None) -> User:
    """Olga, the operator: staff and superuser (the admin console, provider details, every token)."""
    return User.objects.create_user("olga", password="olga-pass-123", is_staff=True, is_superuser=True)


@pytest.fixture
def alice_client(client: Client, alice: User) -> Client:
    """The browser-side test client, logged in as alice."""
    client.force_login(alice)
    return client


@pytest.fixture
def staff_client(client: Client, staff: User) -> Client:
    """The browser-side test client, logged in as the operator."""
    client.force_login(staff)
    return client


def _api_for(user: User) -> APIClient:
    client = APIClient()
    _, secret = token_create(owner=user, name="tests")
    client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    return client


@pytest.fixture
def alice_api(alice: User) -> APIClient:
    return _api_for(alice)


@pytest.fixture
def bob_api(bob: User) -> APIClient:
    return _api_for(bob)


@pytest.fixture
def staff_api(staff: User) -> APIClient:
    return _api_for(staff)


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
def own_collection(settings: Settings, chroma_server: str) -> Iterator[str]:
    """A live index of this test's own, by name (other tests leave vectors whose rows were rolled back)."""
    settings.CHROMA_COLLECTION = f"own-{uuid.uuid4().hex[:12]}"
    yield settings.CHROMA_COLLECTION
    index.drop_all()


@pytest.fixture
def ollama_double() -> Iterator[OllamaDouble]:
    """A fresh Ollama double on a free loopback port with the default models; stopped afterwards.

    A double, because no Ollama binary exists in any registry this machine reaches. Configure it in
    the test: `.models`, `.embed_fn`, `.chat_fn`, `.fail_next(...)`, `.delay`, `.stop()` / `.start()`.
    """
    with OllamaDouble() as double:
        yield double
    assert not double.errors, f"the Ollama test double itself failed: {double.errors}"
