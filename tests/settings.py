"""Test settings: the real PostgreSQL and Redis on loopback unless the environment says otherwise."""

import os
import tempfile

# One database and queue per test run, so parallel runs on one machine never meet.
os.environ.setdefault("DATABASE_URL", f"postgres://postgres@127.0.0.1:5432/rag_app_{os.getpid()}")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")
os.environ.setdefault("CELERY_QUEUE", f"rag-test-{os.getpid()}")
os.environ.setdefault("CELERY_QA_QUEUE", f"rag-qa-test-{os.getpid()}")
os.environ.setdefault("CELERY_HOUSEKEEPING_QUEUE", f"rag-hk-test-{os.getpid()}")
os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret")
os.environ.setdefault("DATA_DIR", tempfile.mkdtemp(prefix="rag-test-"))
# Nothing listens here: only the stack tier's Chroma server (tests/conftest.py) makes the index reachable.
os.environ.setdefault("CHROMA_URL", "http://127.0.0.1:9")
# As deployed: this process and the worker it starts add up their metrics in one folder, which /metrics
# reads (set before prometheus_client is imported: it chooses its storage then).
os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", tempfile.mkdtemp(prefix="rag-test-metrics-"))

from rag_app.settings import *  # noqa: F403

STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405 - WhiteNoise warns when it is missing
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast logins in tests
# Throttle counters in this process's memory (the live server's thread shares it), emptied before each
# test by tests/conftest.py: Redis would share them with other runs on the machine.
CACHES["throttle"] = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "throttle"}  # noqa: F405
# Admission control counts every unfinished answer, and most tests have no worker to finish them: off here,
# on in the tests of it (tests/qa/test_admission.py) and in the load smoke.
ANSWER_ADMISSION = False
# A lease is renewed from its own thread and connection, which cannot see rows a test's transaction has not
# committed: under load a renewal then finds no row and the work stops as if taken over. Long enough for any
# in-test work here; the fault tier's workers get short ones from the environment (tests/resilience/servers.py).
os.environ.setdefault("LEASE_SECONDS", "600")
LEASE_SECONDS = float(os.environ["LEASE_SECONDS"])
# The stack tier's worker reads this from the environment it inherits: a batch answers one question at a
# time there, so its order can be checked (tests that need more set it for this process).
os.environ.setdefault("BATCH_CONCURRENCY", "1")
BATCH_CONCURRENCY = int(os.environ["BATCH_CONCURRENCY"])
