"""gunicorn's settings for the web (`-c python:rag_app.gunicorn_conf`): a dead worker's live gauges are dropped."""

import os
from typing import Any

from prometheus_client import multiprocess


def child_exit(server: Any, worker: Any) -> None:
    """prometheus_client's multiprocess mode: forget the exited worker's live gauges (its counters stay)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(worker.pid)  # type: ignore[no-untyped-call]
