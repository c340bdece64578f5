"""The Celery application, configured from Django settings (CELERY_* names)."""

import os
from pathlib import Path

from celery import Celery
from celery.signals import beat_init

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


@beat_init.connect
def _start_reaper(**_: object) -> None:
    """The reaper runs in beat, the one singleton process: every REAPER_INTERVAL s, however busy the workers are."""
    import threading

    threading.Thread(target=_reap_forever, name="reaper", daemon=True).start()


def _reap_forever() -> None:
    import logging
    import time

    import django

    django.setup()
    from django.conf import settings
    from django.db import close_old_connections

    from rag_app import leases

    log = logging.getLogger("rag_app.reaper")
    while True:
        time.sleep(settings.REAPER_INTERVAL)
        close_old_connections()
        try:
            done = leases.reap()
        except Exception:  # the database may be away a moment: try again next time
            log.exception("the reaper failed")
            continue
        if done:
            log.info("reaper: %s", done)


# prometheus_client (first imported just below) writes each process's figures into this folder from the
# first metric on: it must exist before then (a container's /tmp starts empty).
if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    Path(os.environ["PROMETHEUS_MULTIPROC_DIR"]).mkdir(parents=True, exist_ok=True)

import rag_app.task_signals  # noqa: E402, F401 - connects the logging and metrics signals in every process
