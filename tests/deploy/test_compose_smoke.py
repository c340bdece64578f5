"""The compose stack run without Docker: its services' own commands, each in its own network namespace.

`docker-compose config` gives each service's command, environment and healthcheck; each runs here as a
process in a namespace of its own, where every compose service name resolves (tests/deploy/netns.py).
PostgreSQL and Redis run as their images would (our own instances, never the machine's), the app
services run their compose commands (web: the Dockerfile's gunicorn command) with their compose
environment. Start order and readiness follow depends_on and the healthchecks. Then a document is
uploaded and a question answered through `web`. Local models stand in for the model servers
(LLM_PROVIDER=local in .env, which compose passes on), so this needs no vLLM.

Differences from a container, on purpose: paths under /data and /tmp move into a temporary folder,
the local model cache is the machine's, and PostgreSQL's database is made by initdb + createdb (the
image's entrypoint does the same).
"""

from __future__ import annotations

import os
import pwd
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.deploy.compose_wiring import ROOT, _dockerfile_cmd, compose_config
from tests.deploy.netns import Network

pytestmark = [
    pytest.mark.stack,
    pytest.mark.skipif(os.geteuid() != 0, reason="network namespaces need root"),
]
PG_BIN = max(Path("/usr/lib/postgresql").glob("*/bin"), default=Path("/usr/lib/postgresql/15/bin"))  # Debian's
VENV_BIN = Path(sys.executable).parent
SERVERS = ["postgres", "redis", "chroma"]
APPS = ["web", "worker", "worker-qa", "beat"]
PASSWORD = "smoke-password"
ENV = f"""
DJANGO_SECRET_KEY=smoke-secret-key-smoke-secret-key-smoke-secret-key
POSTGRES_PASSWORD={PASSWORD}
LLM_PROVIDER=local
VISION_PROVIDER=none
DJANGO_ALLOWED_HOSTS=localhost
WORKER_HEARTBEAT_SECONDS=2
"""


def _argv(test: list[str]) -> list[str]:
    """A healthcheck's command; `$$` is compose's escape for a `$` the container's shell expands."""
    return [part.replace("$$", "$") for part in (test[1:] if test[0] == "CMD" else ["sh", "-c", test[1]])]


class Stack:
    """The compose services as processes; paths under /data and /tmp moved into root."""

    def __init__(self, config: dict[str, Any], root: Path) -> None:
        self.services = config["services"]
        self.root = root
        self.logs = root / "logs"
        self.logs.mkdir()
        self.started = time.monotonic()
        enabled = [n for n, s in self.services.items() if not s.get("profiles")]
        aliases = {
            n: [a for net in (self.services[n].get("networks") or {}).values() for a in (net or {}).get("aliases", [])]
            for n in enabled
        }
        self.net = Network(aliases)

    def path(self, value: str) -> str:
        for inside in ("/data", "/tmp"):
            if value == inside or value.startswith(inside + "/"):
                return str(self.root / inside.strip("/")) + value[len(inside) :]
        return value

    def env(self, name: str, extra: dict[str, str] | None = None) -> dict[str, str]:
        env = {
            "PATH": f"{VENV_BIN}:{PG_BIN}:/usr/local/bin:/usr/bin:/bin",
            "HOME": os.environ.get("HOME", "/root"),
            "HOSTNAME": name,
            # the Dockerfile's ENV
            "PYTHONUNBUFFERED": "1",
            "HF_HUB_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1",
            "DATA_DIR": self.path("/data"),
        }
        env.update({k: self.path(str(v)) for k, v in (self.services[name].get("environment") or {}).items()})
        if "MODEL_CACHE_DIR" in env:
            env["MODEL_CACHE_DIR"] = str(Path.home() / ".cache" / "rag-app" / "models")  # converted once already
        for folder in ("MEDIA_ROOT", "DATA_DIR"):
            Path(env.get(folder, env["DATA_DIR"])).mkdir(parents=True, exist_ok=True)
        return env | (extra or {})

    def command(self, name: str) -> list[str]:
        command = self.services[name].get("command") or _dockerfile_cmd()
        argv = shlex.split(command) if isinstance(command, str) else [self.path(str(a)) for a in command]
        # a container's hostname is its service name (celery's node name and inspect ping use it)
        return ["unshare", "--uts", "sh", "-c", 'hostname "$0" && exec "$@"', name, *argv]

    def start(self, name: str, argv: list[str] | None = None, env: dict[str, str] | None = None) -> None:
        self.net.start(name, argv or self.command(name), env or self.env(name), self.logs / f"{name}.log")

    def healthy(self, name: str, timeout: float, env: dict[str, str] | None = None) -> None:
        """Run the service's own compose healthcheck in its namespace until it passes."""
        argv = _argv(self.services[name]["healthcheck"]["test"])
        print(f"[smoke] waiting for {name} at {time.monotonic() - self.started:.0f} s", flush=True)
        deadline = time.monotonic() + timeout
        while True:
            result = self.net.run(name, argv, env or self.env(name), timeout=60)
            if result.returncode == 0:
                return
            if time.monotonic() > deadline:
                log = (self.logs / f"{name}.log").read_text()[-3000:] if (self.logs / f"{name}.log").exists() else ""
                pytest.fail(f"{name} never became healthy: {result.stdout}{result.stderr}\n{log}")
            time.sleep(1)

    def one_shot(self, name: str, timeout: float) -> None:
        print(f"[smoke] {name} at {time.monotonic() - self.started:.0f} s", flush=True)
        result = self.net.run(name, self.command(name), self.env(name), timeout=timeout)
        assert result.returncode == 0, f"{name} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"

    def postgres(self) -> dict[str, str]:
        """The postgres image's job: a cluster with user and database rag, listening on the network."""
        data = Path(tempfile.mkdtemp(prefix="rag-smoke-pg-"))  # postgres must reach it (tmp_path is root's only)
        self.pg_dir = data
        user = pwd.getpwnam("postgres")
        os.chown(data, user.pw_uid, user.pw_gid)
        as_pg = ["setpriv", f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}", "--init-groups"]
        pwfile = data / "pw"
        pwfile.write_text(PASSWORD)
        os.chown(pwfile, user.pw_uid, user.pw_gid)
        cluster = data / "cluster"
        subprocess.run(
            [*as_pg, str(PG_BIN / "initdb"), "-D", str(cluster), "-U", "rag", f"--pwfile={pwfile}",
             "--auth-local=trust", "--auth-host=scram-sha-256"],
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip
        with open(cluster / "pg_hba.conf", "a") as hba:
            hba.write(f"host all all {self.net.prefix}.0/24 scram-sha-256\n")
        args = self.services["postgres"]["command"][1:]  # the compose command's -c options
        self.start("postgres", [*as_pg, str(PG_BIN / "postgres"), "-D", str(cluster), "-c", "listen_addresses=*",
                                "-c", f"unix_socket_directories={data}", *args])  # fmt: skip
        env = self.env("postgres", {"PGHOST": str(data)})  # the container's own socket, not the machine's
        self.healthy("postgres", 60, env)
        self.net.run("postgres", ["createdb", "-U", "rag", "rag"], env, timeout=60)
        return env

    def close(self) -> None:
        self.net.close()
        if hasattr(self, "pg_dir"):
            shutil.rmtree(self.pg_dir, ignore_errors=True)


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    env = (ROOT / ".env.example").read_text() + ENV
    (tmp_path / "compose").mkdir()
    (tmp_path / "stack").mkdir()
    config = compose_config(ROOT / "docker-compose.yml", env, tmp_path / "compose")
    running = Stack(config, tmp_path / "stack")
    try:
        yield running
    finally:
        running.close()


def test_upload_and_answer_through_web_with_each_service_in_its_own_namespace(stack):
    started = time.monotonic()
    stack.start(
        "redis",
        [
            "redis-server",
            "--bind",
            "0.0.0.0",
            "--port",
            "6379",
            "--save",
            "",
            "--appendonly",
            "no",
            "--protected-mode",
            "no",
        ],
    )
    stack.start("chroma")
    stack.postgres()
    stack.healthy("redis", 30)
    stack.one_shot("migrate", timeout=300)
    stack.healthy("chroma", 120)
    stack.one_shot("models-ready", timeout=300)
    for name in APPS:
        stack.start(name)
    stack.healthy("web", 120)
    superuser = {
        "DJANGO_SUPERUSER_USERNAME": "smoke",
        "DJANGO_SUPERUSER_PASSWORD": "smoke-pass",
        "DJANGO_SUPERUSER_EMAIL": "s@example.com",
    }
    result = stack.net.run(
        "web", ["python", "manage.py", "createsuperuser", "--noinput"], stack.env("web", superuser), 120
    )
    assert result.returncode == 0, result.stderr

    web = httpx.Client(base_url=f"http://{stack.net.addresses['web']}:8000", headers={"Host": "localhost"}, timeout=60)
    deadline = time.monotonic() + 120
    while (ready := web.get("/readyz")).status_code != 200 and time.monotonic() < deadline:
        time.sleep(1)  # the workers' first heartbeats
    assert ready.json() == {
        "status": "ready",
        "checks": {key: {"state": "ok"} for key in ["database", "broker", "chroma", "worker"]},
    }
    stack.healthy("worker-qa", 60)  # celery inspect ping to celery@worker-qa over the broker
    stack.healthy("beat", 30)

    token = web.post("/api/auth/token/", data={"username": "smoke", "password": "smoke-pass"}).json()["token"]
    web.headers["Authorization"] = f"Token {token}"
    text = b"Project Heron starts in March. The total budget of Project Heron is 4.2 million euros."
    upload = web.post("/api/documents/", files={"file": ("heron.txt", text, "text/plain")})
    assert upload.status_code == 201, upload.text
    document_id = upload.json()["id"]
    deadline = time.monotonic() + 180
    while (document := web.get(f"/api/documents/{document_id}/").json())["status"] not in ("ready", "failed"):
        assert time.monotonic() < deadline, document
        time.sleep(0.5)
    assert document["status"] == "ready", document["error"]

    answer = web.post("/api/ask/", json={"question": "When does Project Heron start?"}, timeout=300).json()
    assert answer["answer"].strip()
    assert {c["document_id"] for c in answer["citations"]} == {document_id}
    assert "March" in answer["citations"][0]["text"]
    print(f"compose smoke: {time.monotonic() - started:.0f} s, load average {os.getloadavg()}")
