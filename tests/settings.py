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

from rag_app.settings import *  # noqa: F403

STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405 - WhiteNoise warns when it is missing
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast logins in tests
