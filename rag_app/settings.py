"""Django settings, read from the environment (every variable is documented in .env.example)."""

from pathlib import Path

import django_stubs_ext
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from rag_app.env import (
    env_bool,
    env_database,
    env_float,
    env_int,
    env_path,
    env_rate,
    env_str,
    env_url,
)

django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = env_path("DATA_DIR", BASE_DIR / "var")

DEBUG = env_bool("DJANGO_DEBUG", False)
SECRET_KEY = env_str("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("Set DJANGO_SECRET_KEY (or DJANGO_DEBUG=1 for a throwaway dev key).")
    SECRET_KEY = "insecure-dev-key-only-for-debug"
ALLOWED_HOSTS = [h.strip() for h in env_str("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in env_str("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

# --- Security. The defaults serve plain http on 127.0.0.1 (scripts/run); behind HTTPS turn them on
# (docs/operations.md, "Production settings": with those, `manage.py check --deploy` reports nothing).
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", False)
SESSION_COOKIE_SECURE = env_bool("DJANGO_SESSION_COOKIE_SECURE", False)
CSRF_COOKIE_SECURE = env_bool("DJANGO_CSRF_COOKIE_SECURE", False)
# Only behind a proxy that sets X-Forwarded-Proto itself (and strips the client's): otherwise any client
# could claim https.
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("DJANGO_SECURE_PROXY_SSL_HEADER", False) else None
)
# Scripts and styles come from our own static files only: no inline code runs but base.html's one
# nonced line, and htmx is configured not to evaluate any (templates/base.html, htmx-config).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI and Redoc from our static files, not a CDN
    "django_filters",
    "axes",
    "csp",
    # The floors, lowest first: each app imports only from those above it in this list.
    "rag_app.accounts",
    "rag_app.ops",  # probes and worker heartbeats (issue 16)
    "rag_app.providers",
    "rag_app.index",
    "documents",
    "notes",
    "rag_app.qa",
    "rag_app.evals",
    "rag_app.openai_api",
]

MIDDLEWARE = [
    "rag_app.ops.probes.ProbeMiddleware",  # first: /healthz and /readyz skip host checks and redirects
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "rag_app.uploads.UploadLimitMiddleware",  # after messages (its refusals use them), before any view reads
    "axes.middleware.AxesMiddleware",  # last: turns a locked-out login into its 429 page
]

ROOT_URLCONF = "rag_app.urls"
WSGI_APPLICATION = "rag_app.wsgi.application"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
            # Shared template libraries that belong to no single app.
            "libraries": {"markdown": "rag_app.markdown", "redact": "rag_app.redact"},
        },
    },
]

DATABASES = {"default": env_database("DATABASE_URL", f"sqlite:///{DATA_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(str(DATABASES["default"]["NAME"])).parent.mkdir(parents=True, exist_ok=True)
    # Web and worker write one file: WAL lets readers go on, IMMEDIATE + timeout queue the writers.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
# PostgreSQL connections come from a pool per process: a new connection costs PostgreSQL a process
# fork, and each answer would otherwise pay it three times (web request, worker, after generation).
DATABASE_POOL_SIZE = env_int("DATABASE_POOL_SIZE", 20, minimum=0)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and DATABASE_POOL_SIZE:
    DATABASES["default"]["OPTIONS"] = {"pool": {"min_size": 1, "max_size": DATABASE_POOL_SIZE, "timeout": 30}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Observability: metrics and logs (docs/operations.md, "Metrics" and "Logs").
# /metrics: django-prometheus counts requests and queries (its middleware first and last, its database
# wrappers), rag_app/metrics.py the app's own; only staff sessions or `Authorization: Bearer METRICS_TOKEN`.
INSTALLED_APPS += ["django_prometheus"]
MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "rag_app.request_log.RequestIdMiddleware",  # early: every response echoes X-Request-ID, every line has it
    *MIDDLEWARE,
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]
DATABASES["default"]["ENGINE"] = str(DATABASES["default"]["ENGINE"]).replace(
    "django.db.backends.", "django_prometheus.db.backends.", 1
)
METRICS_TOKEN = env_str("METRICS_TOKEN", "")
# A Celery worker on a host of its own (a Kubernetes pod) serves its figures on this port; 0: it does not.
WORKER_METRICS_PORT = env_int("WORKER_METRICS_PORT", 0, minimum=0)
# JSON lines (python-json-logger) in production; scripts/run sets plain. Each line carries the ids of
# the work it belongs to (request, user, document, answer, task: rag_app/logs.py).
LOG_FORMAT = env_str("LOG_FORMAT", "plain" if DEBUG else "json").lower()
if LOG_FORMAT not in ("plain", "json"):
    raise ImproperlyConfigured(f"LOG_FORMAT must be plain or json, not {LOG_FORMAT!r}.")

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = DATA_DIR / "staticfiles"
MEDIA_ROOT = env_path("MEDIA_ROOT", DATA_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rag_app.accounts.authentication.ApiTokenAuthentication",  # first: its Bearer scheme goes in 401s
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "rag_app.errors.api_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "rag_app.schema.ApiSchema",
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    # Per-IP limits count REMOTE_ADDR unless this many proxies in front set X-Forwarded-For.
    "NUM_PROXIES": env_int("API_NUM_PROXIES", 0, minimum=0),
    # Rates per scope, "N/s|min|hour|day" or "off"; the classes are in rag_app/throttles.py.
    "DEFAULT_THROTTLE_RATES": {
        "ask_user": env_rate("THROTTLE_ASK_USER", "30/min"),
        "ask_ip": env_rate("THROTTLE_ASK_IP", "60/min"),
        "upload_user": env_rate("THROTTLE_UPLOAD_USER", "60/hour"),
        "upload_ip": env_rate("THROTTLE_UPLOAD_IP", "120/hour"),
        "token_user": env_rate("THROTTLE_TOKEN_USER", "10/min"),
        "token_ip": env_rate("THROTTLE_TOKEN_IP", "20/min"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "RAG app API",
    "DESCRIPTION": (
        "Upload documents, keep notes, ask questions answered from your own material. Authenticate with "
        "`Authorization: Bearer <token>` (/accounts/tokens/ or POST /api/auth/token/) or a browser session. "
        'Every error is `{"error": {"code", "message", "fields"?}}`.'
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/",
    "ENUM_NAME_OVERRIDES": {
        "DocumentStatusEnum": "documents.models.Document.Status",
        "AnswerStatusEnum": "rag_app.qa.models.Answer.Status",
        "NoteIndexStatusEnum": "notes.models.Note.IndexStatus",
        "JobStatusEnum": "notes.models.NoteAction.Status",  # the same choices as a batch's
        "HealthStatusEnum": ["ok", "degraded", "down"],
    },
}

# --- Login lockout (django-axes): AXES_FAILURE_LIMIT wrong passwords for one username from one IP
# lock that pair out of /accounts/login/ and /api/auth/token/ for AXES_COOLOFF_MINUTES (429, Retry-After).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_MINUTES = env_int("AXES_COOLOFF_MINUTES", 15, minimum=1)
AXES_COOLOFF_TIME = AXES_COOLOFF_MINUTES / 60  # hours, as axes reads it
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "rag_app.lockout.lockout_response"
AXES_IPWARE_PROXY_COUNT = REST_FRAMEWORK["NUM_PROXIES"] or None
# Throttle counters: Redis when there is one (shared by every web process), else this process's memory.
_REDIS = env_url("REDIS_URL", "", schemes=("redis", "rediss"))
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "throttle": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _REDIS, "KEY_PREFIX": "throttle"}
        if _REDIS
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "throttle"}
    ),
}

# --- Celery: Redis when REDIS_URL is set, else a file-system broker that needs no server.
REDIS_URL = env_url("REDIS_URL", "", schemes=("redis", "rediss"))
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL or "filesystem://")
_BROKER_DIR = DATA_DIR / "broker"
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = (
    {
        "data_folder_in": str(_BROKER_DIR / "queue"),
        "data_folder_out": str(_BROKER_DIR / "queue"),
        "control_folder": str(_BROKER_DIR / "control"),
        "store_processed": False,
    }
    if CELERY_BROKER_URL.startswith("filesystem")
    else {}
)
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_QUEUE", "rag")
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 900, minimum=1)
CELERY_TASK_TIME_LIMIT = CELERY_TASK_SOFT_TIME_LIMIT + 60
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

# --- Self-healing (issue 18): leases, the reaper, the outbox (rag_app/leases.py).
# A worker renews its row's lease every LEASE_SECONDS / 3; the reaper (beat, every REAPER_INTERVAL s) requeues
# or fails rows whose lease expired, so a dead worker's work is final within LEASE_SECONDS + REAPER_INTERVAL.
# Queued work whose message was lost (broker down or restarted) is sent again after OUTBOX_RESEND_SECONDS.
LEASE_SECONDS = env_float("LEASE_SECONDS", 45.0, minimum=1.0)
REAPER_INTERVAL = env_float("REAPER_INTERVAL", 30.0, minimum=1.0)
OUTBOX_RESEND_SECONDS = env_float("OUTBOX_RESEND_SECONDS", 120.0, minimum=1.0)
# Redis gives an unacknowledged message (acks_late) to another worker after visibility_timeout: longer
# than any task may run, so a slow task is never run twice; the leases make a redelivery harmless anyway.
if CELERY_BROKER_URL.startswith(("redis", "rediss")):
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_TASK_TIME_LIMIT + 60}
# A message that cannot reach the broker is left to the outbox at once instead of blocking the request.
CELERY_TASK_PUBLISH_RETRY = False
CELERY_BROKER_CONNECTION_TIMEOUT = env_float("CELERY_BROKER_CONNECTION_TIMEOUT", 2.0, minimum=0.1)

# --- Vector store: a Chroma server when CHROMA_URL is set (safe for web + worker), else on disk.
CHROMA_URL = env_url("CHROMA_URL", "")
CHROMA_PATH = env_path("CHROMA_PATH", DATA_DIR / "chroma")
CHROMA_COLLECTION = env_str("CHROMA_COLLECTION", "chunks")

# --- Models and providers. LLM_PROVIDER is the rollback switch for chat and embeddings; rows in the
# admin (providers.ProviderSetting) override these per role at run time.
# Provider kinds are checked against rag_app/providers/kinds.py when the app starts (ProvidersConfig.ready).
LLM_PROVIDER = env_str("LLM_PROVIDER", "local").lower()
LLM_FALLBACK_PROVIDER = env_str("LLM_FALLBACK_PROVIDER", "none").lower()
# Vision is off unless configured (OCR still reads images): a first start without Ollama looks healthy.
VISION_PROVIDER = env_str("VISION_PROVIDER", "none").lower()
VISION_FALLBACK_PROVIDER = env_str("VISION_FALLBACK_PROVIDER", "none").lower()
MODEL_CACHE_DIR = env_path("MODEL_CACHE_DIR", Path.home() / ".cache" / "rag-app" / "models")
LOCAL_TORCH_THREADS = env_int("LOCAL_TORCH_THREADS", 0, minimum=0)
# the local embeddings model: all-MiniLM-L6-v2, or SmolLM2-135M-mean (a second vector space, see README)
LOCAL_EMBED_MODEL = env_str("LOCAL_EMBED_MODEL", "all-MiniLM-L6-v2")
VLLM_URL = env_url("VLLM_URL", "http://127.0.0.1:8001/v1")
VLLM_API_KEY = env_str("VLLM_API_KEY", "")
VLLM_CHAT_MODEL = env_str("VLLM_CHAT_MODEL", "smollm2")
VLLM_EMBED_URL = env_url("VLLM_EMBED_URL", "http://127.0.0.1:8002/v1")
VLLM_EMBED_MODEL = env_str("VLLM_EMBED_MODEL", "minilm")
VLLM_VISION_URL = env_url("VLLM_VISION_URL", VLLM_URL)
VLLM_VISION_MODEL = env_str("VLLM_VISION_MODEL", VLLM_CHAT_MODEL)
VLLM_MAX_IN_FLIGHT = env_int("VLLM_MAX_IN_FLIGHT", 64, minimum=1)
OLLAMA_URL = env_url("OLLAMA_URL", "http://127.0.0.1:11434")
OLLAMA_CHAT_MODEL = env_str("OLLAMA_CHAT_MODEL", "llama3.1:8b")
OLLAMA_EMBED_MODEL = env_str("OLLAMA_EMBED_MODEL", "all-minilm")
OLLAMA_VISION_MODEL = env_str("OLLAMA_VISION_MODEL", "llava:7b")
OLLAMA_NUM_CTX = env_int("OLLAMA_NUM_CTX", 8192, minimum=512)
OLLAMA_KEEP_ALIVE = env_str("OLLAMA_KEEP_ALIVE", "5m")
OLLAMA_MAX_IN_FLIGHT = env_int("OLLAMA_MAX_IN_FLIGHT", 4, minimum=1)
PROVIDER_TIMEOUT = env_float("PROVIDER_TIMEOUT", 120.0, minimum=0.1)
# A streamed answer's server must send something within this (the first token, then each next one): a
# server that accepts and never answers fails over after it, not after PROVIDER_TIMEOUT (issue 18).
PROVIDER_FIRST_TOKEN_TIMEOUT = env_float("PROVIDER_FIRST_TOKEN_TIMEOUT", 10.0, minimum=0.1)
PROVIDER_RETRIES = env_int("PROVIDER_RETRIES", 2, minimum=0)
PROVIDER_CONFIG_TTL = env_float("PROVIDER_CONFIG_TTL", 2.0)
CIRCUIT_FAILURES = env_int("CIRCUIT_FAILURES", 3, minimum=1)
CIRCUIT_COOLDOWN = env_float("CIRCUIT_COOLDOWN", 30.0)
PROVIDER_HEALTH_INTERVAL = env_int("PROVIDER_HEALTH_INTERVAL", 60, minimum=5)
CELERY_BEAT_SCHEDULE = {
    "provider-health": {
        "task": "rag_app.providers.tasks.provider_health_task",
        "schedule": float(PROVIDER_HEALTH_INTERVAL),
    },
    "answer-events-cleanup": {"task": "rag_app.qa.tasks.answer_events_cleanup_task", "schedule": 900.0},
}
# Answering is I/O-bound (the model server does the work), ingestion CPU-bound: separate queues let
# a worker keep many questions in flight without ingestion waiting behind them, or the reverse.
CELERY_QA_QUEUE = env_str("CELERY_QA_QUEUE", "rag-qa")
# Short periodic work has a queue of its own that every worker also consumes, so it never waits behind long
# ingestions. The reaper runs inside the beat process itself (rag_app/celery.py): busy or dead workers
# cannot delay it.
CELERY_HOUSEKEEPING_QUEUE = env_str("CELERY_HOUSEKEEPING_QUEUE", "rag-housekeeping")
CELERY_TASK_ROUTES = {
    "rag_app.qa.tasks.answer_generate_task": {"queue": CELERY_QA_QUEUE},
    "rag_app.qa.tasks.batch_question_answer_task": {"queue": CELERY_QA_QUEUE},
    "rag_app.providers.tasks.provider_health_task": {"queue": CELERY_HOUSEKEEPING_QUEUE},
    "rag_app.qa.tasks.answer_events_cleanup_task": {"queue": CELERY_HOUSEKEEPING_QUEUE},
}

# --- Ingestion and answering.
MAX_UPLOAD_MB = env_int("MAX_UPLOAD_MB", 50, minimum=1)
FILE_UPLOAD_HANDLERS = [
    "rag_app.uploads.UploadLimitHandler",  # first: drops a file past MAX_UPLOAD_MB before the others store it
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
MAX_UNPACKED_MB = env_int("MAX_UNPACKED_MB", 200, minimum=1)
IMAGE_MAX_PIXELS = env_int("IMAGE_MAX_PIXELS", 40_000_000, minimum=1)
OCR_LANGUAGES = env_str("OCR_LANGUAGES", "eng")
OCR_TIMEOUT = env_int("OCR_TIMEOUT", 120, minimum=1)
CAPTION_MAX_TOKENS = env_int("CAPTION_MAX_TOKENS", 200, minimum=1)
CHUNK_TOKENS = env_int("CHUNK_TOKENS", 200, minimum=20)
CHUNK_OVERLAP_TOKENS = env_int("CHUNK_OVERLAP_TOKENS", 30, minimum=0)
if CHUNK_OVERLAP_TOKENS >= CHUNK_TOKENS:
    raise ImproperlyConfigured("CHUNK_OVERLAP_TOKENS must be smaller than CHUNK_TOKENS.")
EMBED_BATCH_SIZE = env_int("EMBED_BATCH_SIZE", 32, minimum=1)
EMBED_IN_FLIGHT = env_int("EMBED_IN_FLIGHT", 4, minimum=1)
INGEST_RETRIES = env_int("INGEST_RETRIES", 5, minimum=0)
TASK_RETRIES = env_int("TASK_RETRIES", 5, minimum=0)  # other background work: note indexing and actions
RETRIEVAL_TOP_K = env_int("RETRIEVAL_TOP_K", 4, minimum=1)
RETRIEVAL_MIN_SCORE = env_float("RETRIEVAL_MIN_SCORE", 0.3, minimum=-1.0)
KEYWORD_MIN_COVERAGE = env_float("KEYWORD_MIN_COVERAGE", 0.5)
# Question vectors kept per process, by embedder and text (a repeated or retried question skips the
# embedding call; issue 19); 0 turns the cache off.
QUERY_VECTOR_CACHE = env_int("QUERY_VECTOR_CACHE", 512, minimum=0)
ANSWER_TIMEOUT = env_float("ANSWER_TIMEOUT", 300.0, minimum=1.0)
ANSWER_MAX_TOKENS = env_int("ANSWER_MAX_TOKENS", 256, minimum=1)
# Admission control (rag_app/qa/admission.py): a question is refused at once (429 "busy", Retry-After) unless,
# at the pace of recent answers, the answer workers (WORKER_CONCURRENCY threads, as in the Procfile) would
# answer it well within ANSWER_TIMEOUT; never more than ANSWER_MAX_IN_FLIGHT questions queued or running.
ANSWER_ADMISSION = env_bool("ANSWER_ADMISSION", True)
ANSWER_WORKERS = env_int("WORKER_CONCURRENCY", 8, minimum=1)
ANSWER_MAX_IN_FLIGHT = env_int("ANSWER_MAX_IN_FLIGHT", 4 * ANSWER_WORKERS, minimum=1)
ANSWER_TEMPERATURE = env_float("ANSWER_TEMPERATURE", 0.0)
# A batch keeps at most BATCH_CONCURRENCY of its questions queued or running at once, so one big batch
# never stands in front of everyone's interactive questions on the Q&A queue.
BATCH_MAX_QUESTIONS = env_int("BATCH_MAX_QUESTIONS", 500, minimum=1)
BATCH_CONCURRENCY = env_int("BATCH_CONCURRENCY", 8, minimum=1)

# --- Process health (issue 16): /readyz wants, per queue, a worker heartbeat at most 3 intervals old.
WORKER_HEARTBEAT_SECONDS = env_int("WORKER_HEARTBEAT_SECONDS", 15, minimum=1)

# --- Answer checks (issue 13): ranking, generation hygiene, sentence verification and its fallback.
# Every value used is recorded with each answer (Answer.checks), so a figure can be traced to its knobs.
RETRIEVAL_FUSION = env_str("RETRIEVAL_FUSION", "score")  # "score": cosine + weighted keyword coverage; "rrf"
if RETRIEVAL_FUSION not in ("score", "rrf"):
    raise ImproperlyConfigured('RETRIEVAL_FUSION must be "score" or "rrf".')
RETRIEVAL_KEYWORD_WEIGHT = env_float("RETRIEVAL_KEYWORD_WEIGHT", 0.25)  # added per unit of keyword coverage
RETRIEVAL_KEEP_VECTOR = env_int("RETRIEVAL_KEEP_VECTOR", 2, minimum=0)  # top vector hits always within k
RETRIEVAL_MIN_DOCUMENTS = env_int("RETRIEVAL_MIN_DOCUMENTS", 3, minimum=1)  # distinct sources in k, if they pass
# No sources at all unless the best vector hit reaches it or a passage holds every word of the question.
RETRIEVAL_REFUSAL_FLOOR = env_float("RETRIEVAL_REFUSAL_FLOOR", 0.4, minimum=-1.0)
# repetition_penalty (vLLM, local; Ollama repeat_penalty) and no_repeat_ngram (local) also count the prompt's
# tokens, so they push the model away from the very words of its sources: off by default (1.0, 0). The
# frequency penalty counts only generated tokens; the loop guard stops what repeats anyway.
ANSWER_REPETITION_PENALTY = env_float("ANSWER_REPETITION_PENALTY", 1.0)
ANSWER_FREQUENCY_PENALTY = env_float("ANSWER_FREQUENCY_PENALTY", 0.3, minimum=-2.0)  # OpenAI-compatible servers
ANSWER_NO_REPEAT_NGRAM = env_int("ANSWER_NO_REPEAT_NGRAM", 0, minimum=0)  # local model; 0 = off
ANSWER_LOOP_GUARD = env_bool("ANSWER_LOOP_GUARD", True)  # stop a stream that repeats a sentence
VERIFY_ANSWERS = env_bool("VERIFY_ANSWERS", True)  # check sentences against the passages; off = as before
VERIFY_EMBEDDINGS = env_bool("VERIFY_EMBEDDINGS", False)  # add the embedder's similarity (slower; see benchmarks)
VERIFY_MIN_SCORE = env_float("VERIFY_MIN_SCORE", 0.55)  # a sentence's support score to count as supported
VERIFY_MIN_OVERLAP = env_float("VERIFY_MIN_OVERLAP", 0.34)  # share of its words its passage must hold
VERIFY_FALLBACK_BELOW = env_float("VERIFY_FALLBACK_BELOW", 0.5)  # supported share under which sources are quoted
VERIFY_QUOTE_MIN_SCORE = env_float("VERIFY_QUOTE_MIN_SCORE", 0.45)  # best quote under it: refused instead
VERIFY_QUOTES = env_int("VERIFY_QUOTES", 2, minimum=1)  # sentences quoted by the fallback at most

# --- Notes.
NOTE_MAX_CHARS = env_int("NOTE_MAX_CHARS", 100_000, minimum=1)

# --- API tokens (rag_app/accounts): a new token expires after this many days; 0: never.
API_TOKEN_TTL_DAYS = env_int("API_TOKEN_TTL_DAYS", 0, minimum=0)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"ids": {"()": "rag_app.logs.ContextFilter"}},
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(levelname)s %(name)s %(process)d %(message)s",
            "rename_fields": {"levelname": "level", "name": "logger", "process": "pid"},
            "timestamp": "time",  # ISO 8601 in UTC
        },
        "plain": {"()": "rag_app.logs.PlainFormatter", "format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["ids"]}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO").upper()},
    # httpx logs every request to Chroma and the model servers at INFO: noise, not news. The openai
    # SDK (3.x) uses its fork httpx2, which logs the same lines under its own name.
    "loggers": {"httpx": {"level": "WARNING"}, "httpx2": {"level": "WARNING"}},
}
