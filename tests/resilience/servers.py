"""Processes the fault tests start, break and start again: a Redis of their own, Celery workers and beat,
and a chat server that accepts connections and never answers."""

from __future__ import annotations

import os
import socket
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection
from kombu import pools

from rag_app.celery import app
from tests.processes import ROOT, free_port, stop, wait_for_line

VENV_BIN = ROOT / ".venv" / "bin"
# Short leases so a dead worker is noticed in seconds; the defaults (45 s lease, 30 s reaper) bound it at 75 s.
FAST_RECOVERY = {"LEASE_SECONDS": "4", "REAPER_INTERVAL": "2", "OUTBOX_RESEND_SECONDS": "5"}


def use_broker(url: str) -> None:
    """Point this process's Celery app at another broker (kombu's pools are keyed by connection)."""
    conf: Any = app.conf
    conf.broker_url = url
    pools.reset()
    celery_app: Any = app
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


class OwnRedis:
    """A redis-server of the test's own, on its own port and folder, without persistence."""

    def __init__(self, folder: Path) -> None:
        self.folder, self.port = folder, free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        log = open(self.folder / "redis.log", "ab")  # noqa: SIM115 - the process keeps it
        self.proc = subprocess.Popen(
            [
                *("redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.folder)),
                *("--save", "", "--appendonly", "no"),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.proc is not None:
            stop(self.proc)
            self.proc = None


def celery(folder: Path, name: str, args: list[str], redis_url: str, **env: str) -> subprocess.Popen[bytes]:
    """A real `celery` process (worker or beat) on the test database, Chroma, media folder and the given Redis."""
    db = connection.settings_dict
    environment = dict(
        os.environ,
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        CHROMA_URL=settings.CHROMA_URL,
        MEDIA_ROOT=str(settings.MEDIA_ROOT),
        DJANGO_SETTINGS_MODULE="tests.settings",
        REDIS_URL=redis_url,
        CELERY_BROKER_URL=redis_url,
        **FAST_RECOVERY,
        **env,
    )
    environment.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    log = folder / f"{name}.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [str(VENV_BIN / "celery"), "-A", "rag_app", *args], cwd=ROOT, env=environment, stdout=out, stderr=out
        )
    proc.log_path = log  # type: ignore[attr-defined]
    return proc


def log_of(proc: subprocess.Popen[bytes]) -> Path:
    """The log file a process started here writes to."""
    path: Path = getattr(proc, "log_path")  # noqa: B009 - set by celery() above
    return path


def worker(folder: Path, name: str, queue: str, redis_url: str, **env: str) -> subprocess.Popen[bytes]:
    """A worker consuming one queue, ready to take tasks."""
    proc = celery(
        folder,
        name,
        [
            *("worker", "-n", f"{name}@%h", "-Q", f"{queue},{settings.CELERY_HOUSEKEEPING_QUEUE}"),
            *("--pool=threads", "--concurrency=2", "--loglevel=INFO"),
        ],
        redis_url,
        **env,
    )
    wait_for_line("ready.", proc, proc.log_path, timeout=120)  # type: ignore[attr-defined]
    return proc


def beat(folder: Path, redis_url: str) -> subprocess.Popen[bytes]:
    """Celery beat, its own single process (the reaper runs every REAPER_INTERVAL seconds)."""
    proc = celery(folder, "beat", ["beat", "-s", str(folder / "beat-schedule"), "--loglevel=INFO"], redis_url)
    wait_for_line("beat: Starting", proc, proc.log_path, timeout=60)  # type: ignore[attr-defined]
    return proc


class HungServer:
    """Accepts TCP connections, reads what comes, never answers: the fault, not a double of a model server."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        self.held: list[socket.socket] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted += 1
            self.held.append(conn)

    def close(self) -> None:
        self.sock.close()
        for conn in self.held:
            conn.close()
