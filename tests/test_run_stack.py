"""The README's first command, `scripts/run`, brings up a stack that works end to end.

SQLite, the file-system Celery broker, the Chroma server and gunicorn, with no Redis or PostgreSQL:
what a person gets on a fresh machine. The script itself runs (setup, migrate, admin user, model
warm-up before any server is up, then the Procfile under honcho). Upload returns at once; the worker
ingests.
"""

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests import files
from tests.processes import ROOT, free_port, stop, wait_for_line, wait_http

BIN = Path(sys.executable).parent


@pytest.fixture
def embedded_stack(tmp_path):
    web_port, chroma_port = free_port(), free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "DATABASE_URL",
            "REDIS_URL",
            "CELERY_QUEUE",
            "CELERY_QA_QUEUE",
            "CELERY_BROKER_URL",
            "CHROMA_URL",
            "MEDIA_ROOT",
            "PROMETHEUS_MULTIPROC_DIR",  # scripts/run empties its own; the test session's must stay
        }
    }
    env.update(
        DJANGO_SETTINGS_MODULE="rag_app.settings",
        DATA_DIR=str(tmp_path / "var"),
        DJANGO_SECRET_KEY="stack-test",
        WEB_PORT=str(web_port),
        CHROMA_PORT=str(chroma_port),
        CHROMA_URL=f"http://127.0.0.1:{chroma_port}",
    )
    manage = [str(BIN / "python"), "manage.py"]
    subprocess.run([*manage, "migrate", "-v0"], cwd=ROOT, env=env, check=True, timeout=120)
    create = "from django.contrib.auth.models import User; User.objects.create_user('carol', password='carol-pass-1')"
    subprocess.run([*manage, "shell", "-c", create], cwd=ROOT, env=env, check=True, timeout=120)
    log = tmp_path / "run.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [str(ROOT / "scripts" / "run")],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_http(f"http://127.0.0.1:{web_port}/accounts/login/", proc, log, timeout=120)
        wait_for_line("ready.", proc, log, timeout=120)
        yield f"http://127.0.0.1:{web_port}", env
    finally:
        stop(proc)
    assert "transport:   filesystem://" in log.read_text()


@pytest.mark.stack
def test_upload_is_ingested_by_the_worker_and_answered_on_embedded_defaults(embedded_stack):
    base, env = embedded_stack
    assert (Path(env["DATA_DIR"]) / "db.sqlite3").exists()  # SQLite, not the test PostgreSQL
    with httpx.Client(base_url=base, timeout=120) as http:
        token = http.post("/api/auth/token/", data={"username": "carol", "password": "carol-pass-1"}).json()["token"]
        http.headers["Authorization"] = f"Token {token}"
        pdf = files.pdf(["The lighthouse keeper feeds the gulls every morning at six."])
        started = time.monotonic()
        created = http.post("/api/documents/", files={"file": ("keeper.pdf", pdf, "application/pdf")})
        assert created.status_code == 201, created.text
        assert created.json()["status"] == "queued"
        assert time.monotonic() - started < 10  # returns at once; the worker does the work
        document_id = created.json()["id"]
        deadline = time.monotonic() + 180
        while (status := http.get(f"/api/documents/{document_id}/").json())["status"] not in ("ready", "failed"):
            assert time.monotonic() < deadline, status
            time.sleep(0.5)
        assert status["status"] == "ready", status["error"]
        answer = http.post("/api/ask/", json={"question": "When does the keeper feed the gulls?"}).json()
        assert answer["answer"].strip()
        assert answer["citations"][0]["document_id"] == document_id
        assert answer["citations"][0]["page"] == 1
