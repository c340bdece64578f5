"""The Celery application, configured from Django settings (CELERY_* names)."""

import os
from pathlib import Path

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rag_app.settings")

app = Celery("rag_app")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def _make_broker_folders(sender: Celery, **_: object) -> None:
    """The file-system broker (the embedded default) needs its folders before the first message."""
    for folder in (sender.conf.broker_transport_options or {}).values():
        if isinstance(folder, str) and folder.startswith("/"):
            Path(folder).mkdir(parents=True, exist_ok=True)


# prometheus_client (first imported just below) writes each process's figures into this folder from the
# first metric on: it must exist before then (a container's /tmp starts empty).
if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    Path(os.environ["PROMETHEUS_MULTIPROC_DIR"]).mkdir(parents=True, exist_ok=True)

import rag_app.task_signals  # noqa: E402, F401 - connects the logging and metrics signals in every process
